#!/usr/bin/env python3
"""Trains a network built from the public reference layers (KarenUllrich/Tutorial_BayesianCompressionForDL,
BayesianLayers.py: LinearGroupNJ, Conv2dGroupNJ) the way its example.py drives them (Adam 1e-3, batch 128,
mean cross-entropy + KL / N, variances clipped after every step, inputs scaled to [-1, 1]), on the IDX files
BayesGen reads, and prints per epoch what `bayesgen train` prints: test error and kept groups at log alpha < -3,
and at the end the test error with the groups at log alpha >= -3 removed.
The reference code is not part of BayesGen: pass a checkout of it with --reference.

    git clone https://github.com/KarenUllrich/Tutorial_BayesianCompressionForDL /tmp/reference
    /usr/bin/python3 tools/reference/train_reference.py --reference /tmp/reference --data DIR --model lenet5 --epochs 20

Networks: lenet300 (784-300-100-10, fc1 clipped at 0.04 as in example.py) and lenet5 (conv 1->20 5x5, max-pool 2,
conv 20->50 5x5, max-pool 2, 800-500-10, no clipping: BayesGen's LeNet5 sample).
"""
import argparse, csv, gzip, os, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            data = (gzip.open if candidate.endswith(".gz") else open)(path, "rb").read()
            magic, count = struct.unpack(">II", data[:8])
            if magic == 0x801:
                return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)
            rows, cols = struct.unpack(">II", data[8:16])
            return np.frombuffer(data, np.uint8, offset=16).reshape(count, 1, rows, cols)
    sys.exit(f"{name} not found in {directory}")


def load(directory, split):
    prefix = "train" if split == "train" else "t10k"
    images = torch.from_numpy(read_idx(directory, f"{prefix}-images-idx3-ubyte").astype(np.float32) / 255.0)
    return 2 * (images - 0.5), torch.from_numpy(read_idx(directory, f"{prefix}-labels-idx1-ubyte"))


def build(layers, model):
    class LeNet300(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = layers.LinearGroupNJ(784, 300, clip_var=0.04)
            self.fc2 = layers.LinearGroupNJ(300, 100)
            self.fc3 = layers.LinearGroupNJ(100, 10)
            self.kl_list = [("fc1", self.fc1), ("fc2", self.fc2), ("fc3", self.fc3)]

        def forward(self, x):
            x = F.relu(self.fc1(x.view(-1, 784)))
            return self.fc3(F.relu(self.fc2(x)))

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = layers.Conv2dGroupNJ(1, 20, 5)
            self.conv2 = layers.Conv2dGroupNJ(20, 50, 5)
            self.fc1 = layers.LinearGroupNJ(800, 500)
            self.fc2 = layers.LinearGroupNJ(500, 10)
            self.kl_list = [("conv1", self.conv1), ("conv2", self.conv2), ("fc1", self.fc1), ("fc2", self.fc2)]

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            return self.fc2(F.relu(self.fc1(x.flatten(1))))

    return LeNet300() if model == "lenet300" else LeNet5()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="a checkout of Tutorial_BayesianCompressionForDL")
    parser.add_argument("--data", required=True, help="a directory with the four IDX files")
    parser.add_argument("--model", choices=["lenet300", "lenet5"], default="lenet300")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--csv", help="write one row per epoch here")
    args = parser.parse_args()
    sys.path.insert(0, args.reference)
    import BayesianLayers as layers

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "test")
    n = len(train_x)
    model = build(layers, args.model)
    optimizer = torch.optim.Adam(model.parameters())
    rows = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        clock = time.time()
        for index in torch.randperm(n).split(128):
            optimizer.zero_grad()
            kl = sum(layer.kl_divergence() for _, layer in model.kl_list)
            loss = F.cross_entropy(model(train_x[index]), train_y[index]) + kl / n
            loss.backward()
            optimizer.step()
            for _, layer in model.kl_list:
                layer.clip_variances()
        seconds = time.time() - clock
        model.eval()
        with torch.no_grad():
            wrong = sum((model(test_x[i:i + 1000]).argmax(1) != test_y[i:i + 1000]).sum().item() for i in range(0, len(test_x), 1000))
            kept = {name: int((layer.get_log_dropout_rates() < -3).sum()) for name, layer in model.kl_list}
        error = 100.0 * wrong / len(test_x)
        rows.append({"epoch": epoch, "test_error_pct": round(error, 2), **{f"kept_{k}": v for k, v in kept.items()}, "seconds": round(seconds, 1)})
        print(f"epoch {epoch:3d}  test error {error:.2f} %  kept " + "  ".join(f"{k} {v}" for k, v in kept.items()) + f"  {seconds:.1f} s", flush=True)
    # Pruned as the reference prunes (groups with log alpha >= -3 removed): in evaluation its layers compute with
    # z's posterior mean, so a removed group is one whose mean z is zero (a removed input of a Linear layer, a removed
    # filter, bias included, of a convolution).
    with torch.no_grad():
        saved = [layer.z_mu.clone() for _, layer in model.kl_list]
        for _, layer in model.kl_list:
            layer.z_mu[layer.get_log_dropout_rates() >= -3] = 0
        wrong = sum((model(test_x[i:i + 1000]).argmax(1) != test_y[i:i + 1000]).sum().item() for i in range(0, len(test_x), 1000))
        for (_, layer), z in zip(model.kl_list, saved):
            layer.z_mu.copy_(z)
    print(f"pruned at log alpha < -3: test error {100.0 * wrong / len(test_x):.2f} %", flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
