"""The program from the developers' brief, verbatim after its imports, runs and learns."""

import re

import numpy as np

from nnet.layers import Dense
from nnet.models import Sequential


def test_seed_program_runs_unchanged(capsys, recwarn):
    X = np.random.rand(1000, 20); y = np.random.randint(2, size=(1000, 1))  # noqa: E702
    model = Sequential()
    model.add(Dense(64, activation='relu', input_dim=20))
    model.add(Dense(64, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    model.fit(X, y, epochs=10, batch_size=32)
    loss, accuracy = model.evaluate(X, y)

    # Keras warns about input_dim exactly so; nnet says the same.
    assert any("Do not pass an `input_shape`/`input_dim`" in str(w.message) for w in recwarn)
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert "Epoch 1/10" in out and "Epoch 10/10" in out
    final = r"32/32 ━{20} \d+s \d+[mu]?s/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n"
    assert re.search(final, out)
    assert 0.0 < loss < 0.75
    assert 0.0 <= accuracy <= 1.0
    # Random labels: the network can only memorise, but ten epochs of Adam do beat chance.
    assert accuracy > 0.55
