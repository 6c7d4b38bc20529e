"""notMNIST data: build it from fonts, import the real archives, read and write it.

The on-disk format (see :mod:`tfdojo.data.dataset`) is one ``notmnist.npz`` of
uint8 arrays plus a ``manifest.json``; nothing is ever pickled.
"""

from tfdojo.data.dataset import SPLITS, Dataset, Split, load, save

__all__ = ["SPLITS", "Dataset", "Split", "load", "save"]
