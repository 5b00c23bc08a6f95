# The group Normal-Jeffreys layers as the paper (Louizos, Ullrich & Welling 2017, eqs. 8-11 with Molchanov et
# al.'s KL approximation) and its public reference layers define them, written independently in PyTorch float64,
# and the reference's training objective and optimiser (cross-entropy mean + KL / N, torch.optim.Adam). It reads
# case.json from the directory in sys.argv[1] (parameters, inputs and the standard-normal draws BayesGen used)
# and writes reference.json beside it: per-layer KL terms, pre-activation means and variances and sampled outputs,
# and for each training step the loss, every gradient and every parameter after the step.
import json, math, os, sys
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
K1, K2, K3 = 0.63576, 1.87320, 1.48695
MEAN_EPSILON = 1e-8            # inside log(mu_z^2 + eps), as the reference layers
case_dir = sys.argv[1]
case = json.load(open(os.path.join(case_dir, "case.json")))
FLOOR = case["variance_floor"]  # BayesGen adds it under the square root of an activation variance


def tensor(entry):
    return torch.tensor(entry["values"], dtype=torch.float64).reshape(entry["shape"])


def flat(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


class Layer:
    def __init__(self, spec):
        self.name, self.kind = spec["name"], spec["kind"]
        self.p = {k: tensor(spec[k]).requires_grad_() for k in ("weight_mu", "weight_logvar", "bias_mu", "bias_logvar", "z_mu", "z_logvar")}
        self.clip = spec.get("clip_var")

    def log_alpha(self):
        return self.p["z_logvar"] - torch.log(self.p["z_mu"] ** 2 + MEAN_EPSILON)

    def kl_terms(self):
        la = self.log_alpha()
        kl_z = -torch.sum(K1 * torch.sigmoid(K2 + K3 * la) - 0.5 * F.softplus(-la) - K1)
        def gauss(mu, logvar):   # KL(N(mu, e^logvar) || N(0, 1)), summed
            return torch.sum(-0.5 * logvar + 0.5 * (logvar.exp() + mu ** 2) - 0.5)
        return kl_z, gauss(self.p["weight_mu"], self.p["weight_logvar"]), gauss(self.p["bias_mu"], self.p["bias_logvar"])

    def z(self, eps_z):      # q(z) = N(mu_z, sigma_z^2), one draw per example and group
        return self.p["z_mu"] + eps_z * torch.exp(0.5 * self.p["z_logvar"])

    def moments(self, x, eps_z):
        """Pre-activation mean and variance by local reparameterisation: for a Linear layer given the sampled z
        (which scales its input features); for a convolution before z (which scales each output channel)."""
        p = self.p
        if self.kind == "linear":
            xz = x * self.z(eps_z)
            return F.linear(xz, p["weight_mu"], p["bias_mu"]), F.linear(xz ** 2, p["weight_logvar"].exp(), p["bias_logvar"].exp())
        return F.conv2d(x, p["weight_mu"], p["bias_mu"]), F.conv2d(x ** 2, p["weight_logvar"].exp(), p["bias_logvar"].exp())

    def sample(self, x, eps_z, eps):
        m, v = self.moments(x, eps_z)
        if self.kind == "linear":
            return m + torch.sqrt(v + FLOOR) * eps
        z = self.z(eps_z)[:, :, None, None]   # the reference's N(m z, v z^2) draw: m z + |z| sqrt(v) eps
        return m * z + torch.sqrt((v + FLOOR) * z ** 2) * eps

    def clip_variances(self):   # the reference clamps weight and bias log-variances; BayesGen the weights only unless asked (--clip-biases)
        if self.clip is not None:
            with torch.no_grad():
                self.p["weight_logvar"].clamp_(max=math.log(self.clip))
                if case.get("clip_biases", False):
                    self.p["bias_logvar"].clamp_(max=math.log(self.clip))


layers = {spec["name"]: Layer(spec) for spec in case["layers"]}
out = {"layers": {}, "steps": []}

for name, layer in layers.items():
    kl_z, kl_w, kl_b = layer.kl_terms()
    check = case["layer_checks"][name]
    x = tensor(check["input"])
    m, v = layer.moments(x, tensor(check["eps_z"]))
    h = layer.sample(x, tensor(check["eps_z"]), tensor(check["eps"]))
    out["layers"][name] = {"kl_scale": kl_z.item(), "kl_weight": kl_w.item(), "kl_bias": kl_b.item(),
                           "log_alpha": flat(layer.log_alpha()), "mean": flat(m), "variance": flat(v), "output": flat(h)}


def network(x, noise):
    """The test's TinyLeNet: conv1, ReLU, max-pool 2, conv2, ReLU, flatten, fc1, ReLU, fc2."""
    def run(name, inp):
        return layers[name].sample(inp, tensor(noise[name]["eps_z"]), tensor(noise[name]["eps"]))
    h = F.max_pool2d(F.relu(run("conv1", x)), 2)
    h = F.relu(run("conv2", h))
    h = F.relu(run("fc1", h.flatten(1)))
    return run("fc2", h)


train = case["train"]
order = [p for name in case["parameter_order"] for p in [layers[name.split("/")[0]].p[name.split("/")[1]]]]
optimizer = torch.optim.Adam(order, lr=train["lr"])   # betas (0.9, 0.999), eps 1e-8, as the reference
x, y = tensor(train["x"]), torch.tensor(train["y"], dtype=torch.long)
for noise in train["steps"]:
    optimizer.zero_grad()
    nll = F.cross_entropy(network(x, noise), y)
    kl = sum(sum(layer.kl_terms()) for layer in layers.values())
    loss = nll + kl / train["n"]
    loss.backward()
    grads = {f"{n}/{k}": flat(t.grad) for n, l in layers.items() for k, t in l.p.items()}
    optimizer.step()
    for layer in layers.values():
        layer.clip_variances()
    params = {f"{n}/{k}": flat(t) for n, l in layers.items() for k, t in l.p.items()}
    out["steps"].append({"nll": nll.item(), "kl": kl.item(), "loss": loss.item(), "grad": grads, "param": params})

json.dump(out, open(os.path.join(case_dir, "reference.json"), "w"))
print("ok")
