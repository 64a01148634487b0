"""Learning to add: a sequence-to-sequence LSTM reads "535+61 " and writes "596 ".

The classic Keras example (after Zaremba and Sutskever, "Learning to Execute"): the question is
a string of digits, a plus sign and padding spaces, one-hot encoded per character and read
reversed (which shortens the paths between related digits); an LSTM encoder compresses it into
one vector, RepeatVector feeds that vector to every output step, an LSTM decoder unrolls the
answer and a TimeDistributed softmax picks each character.

Run: python examples/addition_rnn.py [--digits 3] [--samples 50000] [--epochs 30]
     [--batch-size 32] [--learning-rate 0.001] [--quick]
"""

import argparse

import numpy as np

import nnet

CHARS = "0123456789+ "


def encode(strings, length):
    """One-hot (len(strings), length, len(CHARS)) arrays of the characters of `strings`."""
    index = {c: i for i, c in enumerate(CHARS)}
    ids = np.array([[index[c] for c in s.ljust(length)] for s in strings])
    return np.eye(len(CHARS), dtype="float32")[ids]


def decode(one_hot):
    """The strings of a batch of one-hot (or probability) rows."""
    return ["".join(CHARS[i] for i in row) for row in one_hot.argmax(axis=-1)]


def make_questions(rng, digits, samples):
    """`samples` distinct questions "a+b" with up to `digits` digits each, and their answers."""
    seen, questions, answers = set(), [], []
    while len(questions) < samples:
        a, b = (int(rng.integers(0, 10 ** int(rng.integers(1, digits + 1)))) for _ in range(2))
        if (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        # The question is read reversed: the padding first, then the digits last to first.
        questions.append(f"{a}+{b}".ljust(2 * digits + 1)[::-1])
        answers.append(str(a + b))
    return questions, answers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--digits", type=int, default=3)
    parser.add_argument("--samples", type=int, default=50000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--quick", action="store_true",
                        help="two-digit numbers, 4000 samples, 12 epochs of 64 at rate 0.01")
    args = parser.parse_args()
    if args.quick:
        args.digits, args.samples, args.epochs = 2, 4000, 12
        args.batch_size, args.learning_rate = 64, 0.01
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    questions, answers = make_questions(rng, args.digits, args.samples)
    x = encode(questions, 2 * args.digits + 1)
    y = encode(answers, args.digits + 1)
    cut = int(0.9 * len(x))

    model = nnet.Sequential([
        nnet.Input((2 * args.digits + 1, len(CHARS))),
        nnet.layers.LSTM(128),
        nnet.layers.RepeatVector(args.digits + 1),
        nnet.layers.LSTM(128, return_sequences=True),
        nnet.layers.TimeDistributed(nnet.layers.Dense(len(CHARS), activation="softmax")),
    ])
    model.summary()
    model.compile(optimizer=nnet.optimizers.Adam(args.learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:cut], y[:cut], batch_size=args.batch_size, epochs=args.epochs,
              validation_data=(x[cut:], y[cut:]), verbose=2)

    predicted = decode(model.predict(x[cut:], verbose=0))
    expected = decode(y[cut:])
    for question, guess, answer in list(zip(questions[cut:], predicted, expected))[:5]:
        mark = "ok" if guess == answer else "wrong"
        print(f"{question[::-1].strip()} = {guess.strip():>{args.digits + 1}}  ({mark})")
    character = float(np.mean([g == a for p, e in zip(predicted, expected)
                               for g, a in zip(p, e)]))
    print(f"validation character accuracy: {character:.4f}")
    print(f"validation answer accuracy: {np.mean(np.array(predicted) == np.array(expected)):.4f}")


if __name__ == "__main__":
    main()
