"""``tfdojo dojo``: the workshop room, the facilitator's server and each learner's client.

A facilitator runs ``tfdojo dojo serve``; learners ``tfdojo dojo join`` it, after which each
kata check sends its verdict (:func:`tfdojo.room.client.send_verdict`), and the board (a
page for the projector, or ``tfdojo dojo board``) shows where the room stands. Nothing
here imports TensorFlow.

- :mod:`~tfdojo.room.rules`: what a room accepts (the verdict format, names, limits);
- :mod:`~tfdojo.room.store`: the room's state in SQLite (WAL: nothing acknowledged is lost);
- :mod:`~tfdojo.room.board`: where each learner stands, folded verdict by verdict;
- :mod:`~tfdojo.room.limits`: verdicts per learner per minute;
- :mod:`~tfdojo.room.highlight`: a shared file as escaped, highlighted HTML;
- :mod:`~tfdojo.room.summary`: the retrospective; :mod:`~tfdojo.room.export`: CSV and JSON;
- :mod:`~tfdojo.room.shelf`: the dataset the room hands out;
- :mod:`~tfdojo.room.room`: each request as plain Python; :mod:`~tfdojo.room.app`: the HTTP
  API; :mod:`~tfdojo.room.server`: waitress and what ``serve`` prints;
- :mod:`~tfdojo.room.client`: a learner's side (join, send or queue verdicts, share);
- ``static/``: the board page (HTML, CSS, JavaScript; nothing from elsewhere).
"""

from tfdojo.room.client import Sent, send_verdict
from tfdojo.room.rules import RoomError, check_verdict

__all__ = ["RoomError", "Sent", "check_verdict", "send_verdict"]
