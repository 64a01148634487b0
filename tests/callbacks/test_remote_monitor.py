"""RemoteMonitor: the requests it posts to a local HTTP server, against Keras's."""

import http.server
import json
import os
import socket
import threading
import urllib.parse

import numpy as np
import pytest

import nnet
from nnet import callbacks as cb

os.environ["KERAS_BACKEND"] = "torch"


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers.get("Content-Type"),
                                     self.headers.get("X-Run"), body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.received, httpd.status = [], 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _root(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


LOGS = {"loss": np.float32(0.25), "accuracy": 0.5, "val_loss": np.array(0.125)}


@pytest.mark.parametrize("send_as_json", [False, True])
def test_posts_epoch_logs(server, send_as_json):
    monitor = cb.RemoteMonitor(root=_root(server), path="/events/", field="payload",
                               headers={"X-Run": "7"}, send_as_json=send_as_json)
    monitor.on_epoch_end(3, dict(LOGS))
    [(path, content_type, run, body)] = server.received
    assert (path, run) == ("/events/", "7")
    if send_as_json:
        assert content_type == "application/json"
        sent = json.loads(body)
    else:
        assert content_type == "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["payload"]
        sent = json.loads(form["payload"][0])
    assert sent == {"epoch": 3, "loss": 0.25, "accuracy": 0.5, "val_loss": 0.125}


def test_unreachable_server_warns_and_error_status_does_not(server):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    server.status = 500
    with pytest.warns() as record:
        cb.RemoteMonitor(root=_root(server)).on_epoch_end(0, {"loss": 1.0})
        cb.RemoteMonitor(root=f"http://127.0.0.1:{port}").on_epoch_end(0, {"loss": 1.0})
        cb.RemoteMonitor(root=_root(server), send_as_json=True).on_epoch_end(
            0, {"loss": float("nan")})
    messages = [str(w.message) for w in record]
    assert messages == [f"Could not reach RemoteMonitor root server at http://127.0.0.1:{port}",
                        f"Could not reach RemoteMonitor root server at {_root(server)}"]
    assert len(server.received) == 1


@pytest.mark.parametrize("send_as_json", [False, True])
def test_same_request_as_keras(server, send_as_json):
    pytest.importorskip("torch")
    pytest.importorskip("requests")
    keras = pytest.importorskip("keras")
    for monitor in (keras.callbacks.RemoteMonitor, cb.RemoteMonitor):
        monitor(root=_root(server), headers={"X-Run": "1"},
                send_as_json=send_as_json).on_epoch_end(2, dict(LOGS))
    keras_request, nnet_request = server.received
    assert nnet_request == keras_request


def test_trains_with_remote_monitor(server):
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[cb.RemoteMonitor(root=_root(server), send_as_json=True)])
    sent = [json.loads(body) for *_, body in server.received]
    assert [s["epoch"] for s in sent] == [0, 1]
    assert set(sent[0]) == {"epoch", "loss", "val_loss"}
