"""A two-input, two-output functional model on the handwritten digits.

Input 1 is the 8x8 image; input 2 a 4-value hint (the digit modulo 4, one-hot). The model
predicts the digit (10 classes) and whether it is 5 or more.
Run: python examples/multi_output_digits.py
"""

import numpy as np
from sklearn.datasets import load_digits

import nnet


def main():
    nnet.utils.set_random_seed(0)
    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    x, y = data.data[order] / 16.0, data.target[order]
    hint, y_big = np.eye(4)[y % 4], (y >= 5).astype("float32")
    cut = int(0.8 * len(x))

    pixels = nnet.Input(shape=(64,), name="pixels")
    hints = nnet.Input(shape=(4,), name="hint")
    z = nnet.layers.Concatenate()([nnet.layers.Dense(64, activation="relu")(pixels),
                                   nnet.layers.Dense(8, activation="relu")(hints)])
    digit = nnet.layers.Dense(10, activation="softmax", name="digit")(z)
    big = nnet.layers.Dense(1, activation="sigmoid", name="big")(z)
    model = nnet.Model(inputs=[pixels, hints], outputs=[digit, big])
    model.summary()
    model.compile(optimizer="adam",
                  loss={"digit": "sparse_categorical_crossentropy", "big": "binary_crossentropy"},
                  loss_weights={"digit": 1.0, "big": 0.5},
                  metrics={"digit": ["accuracy"], "big": ["accuracy"]})
    model.fit({"pixels": x[:cut], "hint": hint[:cut]}, {"digit": y[:cut], "big": y_big[:cut]},
              epochs=15, batch_size=32, validation_split=0.1, verbose=2)
    results = model.evaluate({"pixels": x[cut:], "hint": hint[cut:]},
                             {"digit": y[cut:], "big": y_big[cut:]}, verbose=0, return_dict=True)
    print({name: round(value, 4) for name, value in results.items()})


if __name__ == "__main__":
    main()
