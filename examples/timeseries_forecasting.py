"""Forecasting tomorrow's trading range of a stock from the last ten days.

The series ships with matplotlib: Google's daily prices from August 2004 to October 2008
(``goog.npz`` in matplotlib's sample data, 1047 trading days). Prices themselves are close to
a random walk, but how much a price moves within a day (its volatility, here the log of
high / low) comes in clusters, so it can be forecast. Each input window holds 10 days of
three features (log range, absolute log return and volume, each divided by its mean over the
trailing month); the target is the next day's log range, as a multiple of the trailing
month's mean. timeseries_dataset_from_array makes the windows; the split is chronological
(70% train, 15% validation, 15% test) and the model is compared with two forecasts that need
no training: tomorrow equals today, and tomorrow equals the 30-day mean.

Run: python examples/timeseries_forecasting.py [--quick]   (needs matplotlib, for the data)
"""

import argparse

import numpy as np
from matplotlib import cbook

import nnet

MONTH = 30
WINDOW = 10


def trailing_mean(x, n=MONTH):
    """The mean of x over the n days up to each day (NaN for the first n - 1 days)."""
    total = np.cumsum(np.concatenate([np.zeros((1,) + x.shape[1:]), x]), axis=0)
    out = np.full(x.shape, np.nan)
    out[n - 1:] = (total[n:] - total[:-n]) / n
    return out


def load_series():
    """The daily log range log(high / low), absolute log return and volume from the goog.npz
    sample data (the first day, which has no return, dropped)."""
    prices = cbook.get_sample_data("goog.npz")["price_data"]
    log_range = np.log(prices["high"] / prices["low"])
    abs_return = np.abs(np.diff(np.log(prices["adj_close"])))
    return log_range[1:], abs_return, prices["volume"][1:].astype(float)


def main(quick=False):
    nnet.utils.set_random_seed(0)
    log_range, abs_return, volume = load_series()
    # Volatility changes level over the years (2008 dwarfs 2005), so each day is described
    # relative to its trailing month, and the model forecasts tomorrow's range as a multiple
    # of the trailing month's mean: a quantity whose scale stays put across regimes.
    month = trailing_mean(log_range)
    features = np.stack([log_range / month, abs_return / trailing_mean(abs_return),
                         volume / trailing_mean(volume)], axis=1)[MONTH - 1:]
    log_range, month = log_range[MONTH - 1:], month[MONTH - 1:]
    n = len(features)
    train_end, val_end = int(0.7 * n), int(0.85 * n)
    mean, std = features[:train_end].mean(axis=0), features[:train_end].std(axis=0)
    inputs = ((features - mean) / std).astype("float32")
    # The window of days t-9..t forecasts day t+1: its target is range[t+1] / month[t] - 1.
    targets = (log_range[WINDOW:] / month[WINDOW - 1:-1] - 1).astype("float32")

    def windows(start, end, shuffle=False):
        # Window i covers days start+i .. start+i+9 and forecasts day start+i+10: the
        # windows whose forecast day falls in [start + 10, end).
        return nnet.utils.timeseries_dataset_from_array(
            inputs, targets, sequence_length=WINDOW, batch_size=32, shuffle=shuffle, seed=0,
            start_index=start, end_index=end - 1)

    train, validation, test = (windows(0, train_end, shuffle=True),
                               windows(train_end, val_end), windows(val_end, n))
    print(f"{n} trading days with a trailing month: {len(train.start_positions)} training "
          f"windows, {len(validation.start_positions)} validation, "
          f"{len(test.start_positions)} test")

    model = nnet.Sequential([
        nnet.Input(shape=(WINDOW, 3)),
        nnet.layers.Flatten(),
        nnet.layers.Dense(16, activation="relu"),
        nnet.layers.Dropout(0.3),
        nnet.layers.Dense(1),
    ])
    model.compile(optimizer=nnet.optimizers.Adam(1e-3), loss="mae")
    model.fit(train, validation_data=validation, epochs=10 if quick else 40, verbose=2)

    # The test windows forecast days val_end+10 .. n-1, each from the window ending the day
    # before.
    days = np.arange(val_end + WINDOW, n)
    forecast = month[days - 1] * (1 + model.predict(test, verbose=0)[:, 0])
    actual = log_range[days]
    for name, guess in (("model", forecast), ("tomorrow = today", log_range[days - 1]),
                        ("tomorrow = 30-day mean", month[days - 1])):
        print(f"test MAE of the daily log range, {name}: {np.abs(guess - actual).mean():.5f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train for fewer epochs")
    main(parser.parse_args().quick)
