#!/usr/bin/env python3
"""Trains a network built from the public reference layers (KarenUllrich/Tutorial_BayesianCompressionForDL,
BayesianLayers.py: LinearGroupNJ, Conv2dGroupNJ) the way its example.py drives them (Adam 1e-3, batch 128,
mean cross-entropy + KL / N, variances clipped after every step, inputs scaled to [-1, 1]), on the IDX files
BayesGen reads, and prints per epoch what `bayesgen train` prints: test error and kept groups at log alpha < -3,
and at the end the test error with the groups at log alpha >= -3 removed. With --sweep it then shifts every
layer's threshold together, as `bayesgen sweep` does, and writes error against compression (BayesGen's accounting:
weights only, kept rows x kept columns, masks propagated across layers) as JSON, to compare the two curves with
tools/reference/compare_sweeps.py.
The reference code is not part of BayesGen: pass a checkout of it with --reference.

    git clone https://github.com/KarenUllrich/Tutorial_BayesianCompressionForDL /tmp/reference
    /usr/bin/python3 tools/reference/train_reference.py --reference /tmp/reference --data DIR --model lenet5 --epochs 20

Networks: lenet300 (784-300-100-10, fc1 clipped at 0.04 as in example.py) and lenet5 (conv 1->20 5x5, max-pool 2,
conv 20->50 5x5, max-pool 2, 800-500-10, no clipping: BayesGen's LeNet5 sample).
"""
import argparse, csv, gzip, json, os, struct, sys, time
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


def error_percent(model, x, y):
    with torch.no_grad():
        wrong = sum((model(x[i:i + 1000]).argmax(1) != y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return 100.0 * wrong / len(x)


def pruned_error(model, x, y, threshold):
    """Test error with the groups at log alpha >= threshold removed, as the reference prunes: in evaluation its layers
    compute with z's posterior mean, so a removed group is one whose mean z is zero (a removed input of a Linear
    layer, a removed filter, bias included, of a convolution)."""
    model.eval()
    with torch.no_grad():
        saved = [layer.z_mu.clone() for _, layer in model.kl_list]
        for _, layer in model.kl_list:
            layer.z_mu[layer.get_log_dropout_rates() >= threshold] = 0
        error = error_percent(model, x, y)
        for (_, layer), z in zip(model.kl_list, saved):
            layer.z_mu.copy_(z)
    return error


def kept_weights(model, name, threshold):
    """(all weights, kept weights, kept groups per layer) with BayesGen's mask propagation: a Linear layer's groups
    are its inputs, so its kept weights are its kept inputs times the next layer's kept inputs; a convolution's
    groups are its filters; conv2's filter c feeds fc1's inputs 16c..16c+15 and is kept while one of them is."""
    keep = {n: (layer.get_log_dropout_rates() < threshold).detach() for n, layer in model.kl_list}
    if name == "lenet300":
        k = [int(keep[n].sum()) for n in ("fc1", "fc2", "fc3")]
        return 784 * 300 + 300 * 100 + 100 * 10, k[0] * k[1] + k[1] * k[2] + k[2] * 10, k
    channel = keep["conv2"] & keep["fc1"].view(50, 16).any(1)
    fc1_in = int((keep["fc1"].view(50, 16) & channel.view(50, 1)).sum())
    k = [int(keep["conv1"].sum()), int(channel.sum()), fc1_in, int(keep["fc2"].sum())]
    return 20 * 25 + 50 * 20 * 25 + 800 * 500 + 500 * 10, k[0] * 25 + k[1] * k[0] * 25 + k[2] * k[3] + k[3] * 10, k


def sweep(model, name, x, y, shifts, path):
    points = []
    for shift in shifts:
        threshold = -3.0 + shift
        total, kept, groups = kept_weights(model, name, threshold)
        if kept == 0 or 0 in groups:
            print(f"shift {shift:+.2f}: a layer lost every unit", flush=True)
            continue
        error = pruned_error(model, x, y, threshold)
        points.append({"shift": shift, "kept_groups": "-".join(map(str, groups)), "compression_pruning": total / kept,
                       "compressed_test_error_pct": error})
        print(f"shift {shift:+.2f}  kept {points[-1]['kept_groups']}  CR pruning {total / kept:.1f}x  error {error:.2f} %", flush=True)
    with open(path, "w") as f:
        json.dump(points, f, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="a checkout of Tutorial_BayesianCompressionForDL")
    parser.add_argument("--data", required=True, help="a directory with the four IDX files")
    parser.add_argument("--model", choices=["lenet300", "lenet5"], default="lenet300")
    parser.add_argument("--epochs", type=int, default=10, help="0 with --load: no training")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--csv", help="write one row per epoch here")
    parser.add_argument("--load", help="start from this state dict (written by --save); with --epochs 0, only evaluate and sweep")
    parser.add_argument("--save", help="after training, write the network's state dict here (torch.save)")
    parser.add_argument("--sweep", help="after training, write the threshold sweep here (JSON)")
    parser.add_argument("--shifts", default="-2,-1,-0.5,0,0.5,1,2,3,4", help="threshold shifts (positive prunes more)")
    args = parser.parse_args()
    sys.path.insert(0, args.reference)
    import BayesianLayers as layers

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "test")
    n = len(train_x)
    model = build(layers, args.model)
    if args.load:
        model.load_state_dict(torch.load(args.load))
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
        error = error_percent(model, test_x, test_y)
        kept = {name: int((layer.get_log_dropout_rates() < -3).sum()) for name, layer in model.kl_list}
        rows.append({"epoch": epoch, "test_error_pct": round(error, 2), **{f"kept_{k}": v for k, v in kept.items()}, "seconds": round(seconds, 1)})
        print(f"epoch {epoch:3d}  test error {error:.2f} %  kept " + "  ".join(f"{k} {v}" for k, v in kept.items()) + f"  {seconds:.1f} s", flush=True)
    if args.csv and rows:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
    if args.save:
        torch.save(model.state_dict(), args.save)
    print(f"unpruned: test error {error_percent(model.eval(), test_x, test_y):.2f} %", flush=True)
    print(f"pruned at log alpha < -3: test error {pruned_error(model, test_x, test_y, -3.0):.2f} %", flush=True)
    if args.sweep:
        sweep(model, args.model, test_x, test_y, [float(v) for v in args.shifts.split(",")], args.sweep)


if __name__ == "__main__":
    main()
