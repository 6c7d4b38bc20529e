"""``tfdojo play``: draw a letter and watch the network decide.

A local web app: a canvas to draw on (or an image to upload), and for each stroke the
28x28 image the model sees, its softmax, its scores before the softmax, and what its
first layer makes of the drawing; a tab of the run's most confident test mistakes.

- :mod:`tfdojo.play.inside`: what a model does with one framed image;
- :mod:`tfdojo.play.player`: one or two runs, and every answer about them as a dict;
- :mod:`tfdojo.play.server`: the Flask app around a player, and ``serve``;
- ``static/``: the page, plain HTML, CSS and JavaScript, served from this folder.
"""

from tfdojo.play.player import Player, PlayError
from tfdojo.play.server import create_app, serve

__all__ = ["PlayError", "Player", "create_app", "serve"]
