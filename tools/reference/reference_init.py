#!/usr/bin/env python3
"""Writes a PyTorch state dict with the public reference layers' initialisation (Linear weights from N(0, 1/fan-in),
convolution weights uniform within +-1/sqrt(fan-in), biases 0) for BayesGen's LeNet-300-100 or LeNet-5, to start a
run from it with `bayesgen train --init-from FILE` (BayesGen otherwise starts from TorchSharp's initialisation).

    /usr/bin/python3 tools/reference/reference_init.py lenet300 lenet300-reference-init.pt [--seed 1]
"""
import argparse, math
import torch

LAYERS = {
    "lenet300": [("fc1", "linear", 784, 300), ("fc2", "linear", 300, 100), ("fc3", "linear", 100, 10)],
    "lenet5": [("conv1", "conv", 1, 20), ("conv2", "conv", 20, 50), ("fc1", "linear", 800, 500), ("fc2", "linear", 500, 10)],
}

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("model", choices=sorted(LAYERS))
parser.add_argument("out")
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
generator = torch.Generator().manual_seed(args.seed)
state = {}
for name, kind, fan_in, fan_out in LAYERS[args.model]:
    if kind == "linear":
        state[f"{name}.weight"] = torch.randn(fan_out, fan_in, generator=generator) / math.sqrt(fan_in)
    else:   # 5x5 kernels
        bound = 1 / math.sqrt(fan_in * 25)
        state[f"{name}.weight"] = (torch.rand(fan_out, fan_in, 5, 5, generator=generator) * 2 - 1) * bound
    state[f"{name}.bias"] = torch.zeros(fan_out)
torch.save(state, args.out)
print(f"{args.out}: {', '.join(state)}")
