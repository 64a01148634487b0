"""From a folder of image files to a trained convnet, with augmentation inside the model.

scikit-learn's digits are written as 16x16 PNG files into one folder per class (the layout
`image_dataset_from_directory` reads: labels come from the folder names). They are read back
in batches with a training/validation split, and the model rescales the pixels and augments
them (small rotations, shifts and zooms, active only while training) before its convolutions.
Also shown: `load_img`, `img_to_array`, `array_to_img` and `save_img`. Needs Pillow
(``pip install "nnet[image]"``).
Run: python examples/image_folder_pipeline.py [--epochs 30] [--folder digits_png]
"""

import argparse
import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import nnet
from nnet import layers
from nnet.utils import array_to_img, image_dataset_from_directory, img_to_array, load_img, save_img


def write_digit_folders(root):
    """Each digit image, upsampled to 16x16 grey pixels, as root/<digit>/<index>.png."""
    data = load_digits()
    for index, (image, label) in enumerate(zip(data.images, data.target)):
        pixels = np.kron(image / 16.0 * 255.0, np.ones((2, 2)))[..., None]  # 8x8 -> 16x16
        folder = os.path.join(root, str(label))
        os.makedirs(folder, exist_ok=True)
        save_img(os.path.join(folder, f"{index}.png"), pixels.astype("uint8"), scale=False)
    return len(data.target)


def build_model():
    return nnet.Sequential([
        nnet.Input(shape=(16, 16, 1)),
        layers.Rescaling(1.0 / 255),
        layers.RandomRotation(0.04, fill_mode="constant"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
        layers.RandomZoom(0.1, fill_mode="constant"),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--folder", default=None, help="where to write the PNG files")
    args = parser.parse_args()
    root = args.folder or tempfile.mkdtemp(prefix="digits_png_")
    print(f"wrote {write_digit_folders(root)} PNG files under {root}")

    first = os.path.join(root, "3", sorted(os.listdir(os.path.join(root, "3")))[0])
    image = load_img(first, color_mode="grayscale")
    array = img_to_array(image)
    print(f"{first}: {image.size[0]}x{image.size[1]} {image.mode} image -> array {array.shape}, "
          f"back to an image of size {array_to_img(array).size}")

    nnet.utils.set_random_seed(0)
    train, validation = image_dataset_from_directory(
        root, color_mode="grayscale", image_size=(16, 16), batch_size=32,
        validation_split=0.2, subset="both", seed=0)
    print(f"classes: {train.class_names}")

    model = build_model()
    model.compile(optimizer=nnet.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train, validation_data=validation, epochs=args.epochs, verbose=2)
    loss, accuracy = model.evaluate(validation, verbose=0)
    print(f"image folder validation accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
