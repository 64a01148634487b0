"""Training, evaluating and predicting in several threads at once gives what running the same
calls one after another gives: gradient recording is per thread."""

import threading

import numpy as np
from sklearn.datasets import load_digits

import nnet


def _model(seed):
    init = nnet.initializers.GlorotUniform(seed=seed)
    model = nnet.Sequential([
        nnet.Input((64,)),
        nnet.layers.Dense(32, activation="relu", kernel_initializer=init),
        nnet.layers.Dense(10, activation="softmax", kernel_initializer=init),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _work(seed, x, y, out):
    model = _model(seed)
    history = model.fit(x, y, epochs=3, batch_size=64, validation_split=0.2, shuffle=False,
                        verbose=0)
    out[seed] = (history.history, model.evaluate(x, y, verbose=0),
                 model.predict(x[:50], verbose=0), [w.numpy() for w in model.weights])


def test_concurrent_fit_evaluate_predict_match_sequential_runs():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    sequential, concurrent = {}, {}
    for seed in range(4):
        _work(seed, x, y, sequential)
    threads = [threading.Thread(target=_work, args=(seed, x, y, concurrent)) for seed in range(4)]
    # Another thread predicting all the while must not switch gradients off for the trainers.
    predictor = _model(99)
    stop = threading.Event()

    def keep_predicting():
        while not stop.is_set():
            predictor.predict(x[:32], verbose=0)

    background = threading.Thread(target=keep_predicting)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    assert sorted(concurrent) == list(range(4))
    for seed in range(4):
        history, metrics, predictions, weights = concurrent[seed]
        assert history == sequential[seed][0]
        assert metrics == sequential[seed][1]
        np.testing.assert_array_equal(predictions, sequential[seed][2])
        for got, want in zip(weights, sequential[seed][3]):
            np.testing.assert_array_equal(got, want)
    assert nnet.autodiff.is_grad_enabled()


def _dropout_model():
    model = nnet.Sequential([
        nnet.Input((64,)),
        nnet.layers.Dense(32, activation="relu"),
        nnet.layers.Dropout(0.3),  # unseeded: draws from the model's stream
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_seeded_models_in_threads_draw_their_own_shuffles_and_dropout_masks():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")

    def run(models, parallel):
        results = {}

        def work(i):
            history = models[i].fit(x, y, epochs=2, batch_size=64, shuffle=True, verbose=0)
            results[i] = (history.history["loss"], [w.numpy() for w in models[i].weights])

        if parallel:
            threads = [threading.Thread(target=work, args=(i,)) for i in range(len(models))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            for i in range(len(models)):
                work(i)
        return results

    nnet.utils.set_random_seed(7)
    sequential = run([_dropout_model() for _ in range(3)], parallel=False)
    nnet.utils.set_random_seed(7)
    concurrent = run([_dropout_model() for _ in range(3)], parallel=True)
    for i in range(3):
        assert concurrent[i][0] == sequential[i][0]
        for got, want in zip(concurrent[i][1], sequential[i][1]):
            np.testing.assert_array_equal(got, want)
    # Each model has a stream of its own: the three runs differ from one another.
    assert len({tuple(sequential[i][0]) for i in range(3)}) == 3
