"""`RemoteMonitor`: post each epoch's logs to an HTTP server, with the standard library's urllib."""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from nnet.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Send ``{"epoch": epoch, **logs}`` to ``root + path`` by HTTP POST at the end of each epoch.

    With ``send_as_json=True`` the body is that dict as JSON (``Content-Type: application/json``);
    otherwise it is a URL-encoded form whose one field, `field`, holds the JSON text. NumPy
    scalars and arrays of one element are sent as Python numbers. A server that cannot be
    reached (or, in JSON mode, a NaN or infinite value, which strict JSON cannot carry) gives a
    warning, ``Could not reach RemoteMonitor root server at <root>``, and training goes on; an
    error status from the server is not reported.

    Args:
        root: root URL of the server.
        path: path relative to `root` to which the events are sent.
        field: name of the form field that holds the JSON (used when ``send_as_json=False``).
        headers: optional dict of extra HTTP headers.
        send_as_json: send the JSON as the request body instead of in a form.

    Example:
        >>> monitor = RemoteMonitor(root="http://127.0.0.1:9", send_as_json=True)
        >>> monitor.root + monitor.path
        'http://127.0.0.1:9/publish/epoch/end/'
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        try:
            if self.send_as_json:
                body = json.dumps(send, allow_nan=False).encode("utf-8")
                headers.setdefault("Content-Type", "application/json")
            else:
                body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                             method="POST")
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError:
            # The server answered (with an error status): it was reached, as Keras counts it.
            pass
        except (ValueError, OSError, http.client.HTTPException):
            # URLError is an OSError; ValueError is a bad URL or a non-finite value; an
            # HTTPException a malformed URL or a broken answer.
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
