#!/usr/bin/env python3
"""Trains a network built from the public reference layers (KarenUllrich/Tutorial_BayesianCompressionForDL,
BayesianLayers.py: LinearGroupNJ, Conv2dGroupNJ) the way its example.py drives them (Adam 1e-3, batch 128,
mean cross-entropy + KL / N, variances clipped after every step, inputs scaled to [-1, 1]), on the IDX files
BayesGen reads, and prints per epoch what `bayesgen train` prints: the mean loss and cross-entropy of the epoch's
steps, the test error and the kept groups at log alpha < -3,
and at the end the test error with the groups at log alpha >= -3 removed, unrounded and with the weights rounded as
the tutorial's compression.py rounds them. With --sweep it then shifts every layer's threshold together, as
`bayesgen sweep` does, and writes error against compression (BayesGen's accounting: weights only, kept rows x kept
columns, masks propagated across layers) as JSON, for `bayesgen sweep --against`.
The reference code is not part of BayesGen: pass a checkout of it with --reference.

    git clone https://github.com/KarenUllrich/Tutorial_BayesianCompressionForDL /tmp/reference
    /usr/bin/python3 tools/reference/train_reference.py --reference /tmp/reference --data DIR --model lenet5 --epochs 20

Debian's python3-torch runs on whichever BLAS the system provides; with only the reference BLAS it is about three times
slower (LeNet-300-100: about 50 s an epoch instead of 15 s on two cores), so install OpenBLAS: apt-get install libopenblas0-pthread.

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


def weight_masks(model, name, threshold):
    """Each layer's kept weights at log alpha < threshold, with BayesGen's mask propagation: a Linear layer's groups
    are its inputs, so it keeps its kept inputs times the next layer's kept inputs; a convolution's groups are its
    filters; conv2's filter c feeds fc1's inputs 16c..16c+15 and is kept while one of them is. Also the kept groups."""
    keep = {n: (layer.get_log_dropout_rates() < threshold).detach() for n, layer in model.kl_list}
    if name == "lenet300":
        ins = [keep["fc1"], keep["fc2"], keep["fc3"]]
        outs = [keep["fc2"], keep["fc3"], torch.ones(10, dtype=torch.bool)]
        return [o[:, None] & i[None, :] for i, o in zip(ins, outs)], [int(i.sum()) for i in ins]
    channel = keep["conv2"] & keep["fc1"].view(50, 16).any(1)
    fc1_in = keep["fc1"] & channel.repeat_interleave(16)
    masks = [keep["conv1"].view(20, 1, 1, 1).expand(20, 1, 5, 5),
             (channel[:, None] & keep["conv1"][None, :]).view(50, 20, 1, 1).expand(50, 20, 5, 5),
             keep["fc2"][:, None] & fc1_in[None, :],
             torch.ones(10, 1, dtype=torch.bool) & keep["fc2"][None, :]]
    return masks, [int(keep["conv1"].sum()), int(channel.sum()), int(fc1_in.sum()), int(keep["fc2"].sum())]


def posterior(layer):
    """The weights' posterior mean and variance with z folded in: along the inputs of a Linear layer, along the
    filters of a convolution (the reference's compute_posterior_params broadcasts z along a convolution's last axis)."""
    z_shape = (1, -1) if layer.weight_mu.dim() == 2 else (-1, 1, 1, 1)
    z_mu, z_var = layer.z_mu.view(z_shape), layer.z_logvar.exp().view(z_shape)
    w_mu, w_var = layer.weight_mu, layer.weight_logvar.exp()
    return w_mu * z_mu, z_mu.pow(2) * w_var + z_var * w_mu.pow(2) + z_var * w_var


def significand_bits(variance):
    """The tutorial's bits for one layer (compression.py): per kept weight, how many of the round-off levels
    2^-1 .. 2^-23 lie above twice its variance; the layer takes the mean, rounded up."""
    levels = torch.tensor([0.5 * 2.0 ** (-i) for i in range(23)], dtype=variance.dtype)
    return int(torch.ceil((2 * variance[:, None] < levels[None, :]).sum(1).double().mean()))


def compressed_error(model, name, x, y, masks, rounded):
    """Test error of the pruned network (posterior means with z folded in, removed weights zero, a removed filter's
    bias zero), and with `rounded` each layer's weights rounded as the tutorial's compute_reduced_weights does:
    to the nearest multiple of 2^-t, t the layer's significand bits."""
    model.eval()
    with torch.no_grad():
        weights, biases = [], []
        for (_, layer), mask in zip(model.kl_list, masks):
            mean, variance = posterior(layer)
            mask = mask.expand_as(mean)
            mean = mean * mask
            if rounded:
                step = 2.0 ** -significand_bits(variance[mask])
                mean = torch.floor(mean / step + 0.5) * step
            weights.append(mean)
            filters = mask.flatten(1).any(1) if mean.dim() == 4 else None
            biases.append(layer.bias_mu * layer.z_mu * filters if filters is not None else layer.bias_mu)

        def forward(h):
            if name == "lenet300":
                h = F.relu(F.linear(h.view(-1, 784), weights[0], biases[0]))
                return F.linear(F.relu(F.linear(h, weights[1], biases[1])), weights[2], biases[2])
            h = F.max_pool2d(F.relu(F.conv2d(h, weights[0], biases[0])), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, weights[1], biases[1])), 2)
            return F.linear(F.relu(F.linear(h.flatten(1), weights[2], biases[2])), weights[3], biases[3])

        wrong = sum((forward(x[i:i + 1000]).argmax(1) != y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return 100.0 * wrong / len(x)


def sweep(model, name, x, y, shifts, path):
    points = []
    for shift in shifts:
        threshold = -3.0 - shift   # log alpha at or above the threshold is removed: a positive shift lowers it and prunes more, as in `bayesgen sweep`
        masks, groups = weight_masks(model, name, threshold)
        total, kept = sum(m.numel() for m in masks), sum(int(m.sum()) for m in masks)
        if 0 in groups:
            print(f"shift {shift:+.2f}: a layer lost every unit", flush=True)
            continue
        pruned = compressed_error(model, name, x, y, masks, rounded=False)
        rounded = compressed_error(model, name, x, y, masks, rounded=True)
        points.append({"shift": shift, "kept_groups": "-".join(map(str, groups)), "compression_pruning": total / kept,
                       "pruned_test_error_pct": pruned, "compressed_test_error_pct": rounded})
        print(f"shift {shift:+.2f}  kept {points[-1]['kept_groups']}  CR pruning {total / kept:.1f}x  "
              f"error pruned {pruned:.2f} %, rounded {rounded:.2f} %", flush=True)
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
        ce_sum, loss_sum, steps = 0.0, 0.0, 0
        for index in torch.randperm(n).split(128):
            optimizer.zero_grad()
            kl = sum(layer.kl_divergence() for _, layer in model.kl_list)
            ce = F.cross_entropy(model(train_x[index]), train_y[index])
            loss = ce + kl / n
            loss.backward()
            optimizer.step()
            ce_sum, loss_sum, steps = ce_sum + ce.item(), loss_sum + loss.item(), steps + 1
            for _, layer in model.kl_list:
                layer.clip_variances()
        seconds = time.time() - clock
        model.eval()
        error = error_percent(model, test_x, test_y)
        kept = {name: int((layer.get_log_dropout_rates() < -3).sum()) for name, layer in model.kl_list}
        rows.append({"epoch": epoch, "loss": round(loss_sum / steps, 4), "ce": round(ce_sum / steps, 4), "test_error_pct": round(error, 2), **{f"kept_{k}": v for k, v in kept.items()}, "seconds": round(seconds, 1)})
        print(f"epoch {epoch:3d}  loss {loss_sum / steps:.4f}  ce {ce_sum / steps:.4f}  test error {error:.2f} %  kept " + "  ".join(f"{k} {v}" for k, v in kept.items()) + f"  {seconds:.1f} s", flush=True)
    if args.csv and rows:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
    if args.save:
        torch.save(model.state_dict(), args.save)
    print(f"unpruned: test error {error_percent(model.eval(), test_x, test_y):.2f} %", flush=True)
    masks, _ = weight_masks(model, args.model, -3.0)
    print(f"pruned at log alpha < -3: test error {compressed_error(model, args.model, test_x, test_y, masks, rounded=False):.2f} %, "
          f"rounded as the tutorial rounds {compressed_error(model, args.model, test_x, test_y, masks, rounded=True):.2f} %", flush=True)
    if args.sweep:
        sweep(model, args.model, test_x, test_y, [float(v) for v in args.shifts.split(",")], args.sweep)


if __name__ == "__main__":
    main()
