"""nnet's demo: the Keras program from the README, then real data sets from scikit-learn.

Run it with ``python examples/demo.py``. It trains
1. the classic Keras example (a 64-64-1 network on random data),
2. a 64-64-10 network on the 8x8 handwritten digits,
3. a 32-16-1 network on the breast cancer diagnostic data,
prints Keras's progress bars and the test accuracy of each, and saves the training curves to
``demo_training_curves.png`` when matplotlib is installed.
"""

import numpy as np

import nnet as keras
from nnet.layers import Dense
from nnet.models import Sequential


def seed_program():
    print("== The Keras example on random data ==")
    X = np.random.rand(1000, 20)
    y = np.random.randint(2, size=(1000, 1))
    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=20))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=10, batch_size=32)
    loss, accuracy = model.evaluate(X, y)
    print(f"loss={loss:.4f} accuracy={accuracy:.4f} (random labels: only memorisation helps)\n")


def split(x, y, test_fraction=0.25, seed=0):
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def standardize(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    return (train - mean) / std, (test - mean) / std


def digits():
    from sklearn.datasets import load_digits

    print("== Handwritten digits (8x8 images, 10 classes) ==")
    data = load_digits()
    x_train, y_train, x_test, y_test = split(data.data / 16.0, data.target)
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.1,
                        verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"digits test accuracy: {accuracy:.4f}\n")
    return history


def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    print("== Breast cancer diagnosis (30 features, benign vs malignant) ==")
    data = load_breast_cancer()
    x_train, y_train, x_test, y_test = split(data.data, data.target)
    x_train, x_test = standardize(x_train, x_test)
    model = keras.Sequential([
        keras.Input(shape=(30,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=15, batch_size=32, validation_split=0.1)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"breast cancer test accuracy: {accuracy:.4f}\n")
    return history


def plot(histories, path="demo_training_curves.png"):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plot (pip install 'nnet[plot]').")
        return
    fig, axes = plt.subplots(1, len(histories), figsize=(5 * len(histories), 4))
    for ax, (title, history) in zip(axes, histories.items()):
        for key in ("accuracy", "val_accuracy"):
            ax.plot(np.arange(1, len(history.history[key]) + 1), history.history[key], label=key)
        ax.set(title=title, xlabel="epoch", ylabel="accuracy")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"saved the training curves to {path}")


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    seed_program()
    plot({"digits": digits(), "breast cancer": breast_cancer()})
