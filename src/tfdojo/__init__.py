"""tfdojo: a TensorFlow dojo on notMNIST.

The letters A-J as 28x28 grayscale images, built from the fonts on your machine
(or imported from the real notMNIST archives), and the models of the
"Dojo TensorFlow #1" workshop trained on them in readable TensorFlow 2.

Heavy modules (TensorFlow, matplotlib) are imported lazily by the functions that
need them, so ``import tfdojo`` and ``tfdojo --help`` stay fast.
"""

__version__ = "0.1.0"

LETTERS = "ABCDEFGHIJ"
"""Class names: label ``k`` is the letter ``LETTERS[k]``."""

__all__ = ["LETTERS", "__version__"]
