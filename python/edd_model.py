"""The paper's CNN in PyTorch, with edd's parameter names, and its weights in
and out of edd.

edd's network (cleverhans v1's model_mnist; docs/DESIGN.md section 2):

    x [B,1,28,28] -> dropout p_input -> conv1 8x8/2 pad 3 + ReLU -> [B,64,14,14]
      -> conv2 6x6/2 + ReLU -> [B,128,5,5] -> conv3 5x5 + ReLU -> [B,128]
      -> dropout p_hidden -> fc 128->K -> logits [B,K]

K is 10, or 11 for the distilled model (the outlier class at index 10).
EddCNN's state_dict has exactly the names of the files `edd export` writes
(conv1.weight, conv1.bias, ..., fc.bias), so:

    import edd_model
    net = edd_model.load_exported("exp")       # after: edd export --model M.edd --dir exp
    ...train or fine-tune net in PyTorch...
    edd_model.save_for_import(net, "mine")     # then: edd import --dir mine --out mine.edd

Installed by `make install` as PREFIX/share/edd/edd_model.py; needs numpy
and torch.
"""
import os

import numpy as np
import torch
import torch.nn as nn

NAMES = ("conv1", "conv2", "conv3", "fc")


class EddCNN(nn.Module):
    """edd's CNN: k outputs, dropout p_input on the input and p_hidden
    before fc (active in train mode only, as in edd)."""

    def __init__(self, k=10, p_input=0.2, p_hidden=0.5):
        super().__init__()
        self.drop_input = nn.Dropout(p_input)
        self.conv1 = nn.Conv2d(1, 64, 8, stride=2, padding=3)   # SAME -> 64x14x14
        self.conv2 = nn.Conv2d(64, 128, 6, stride=2)            # VALID -> 128x5x5
        self.conv3 = nn.Conv2d(128, 128, 5)                     # VALID -> 128x1x1
        self.drop_hidden = nn.Dropout(p_hidden)
        self.fc = nn.Linear(128, k)

    def forward(self, x):
        """Logits [B,K] of images x, [B,1,28,28] or [B,28,28] in [0, 1]."""
        x = self.drop_input(x.reshape(-1, 1, 28, 28))
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.relu(self.conv3(x))
        return self.fc(self.drop_hidden(torch.flatten(x, 1)))

    def layers(self):
        """The four layers with parameters, in edd's order."""
        return [self.conv1, self.conv2, self.conv3, self.fc]


def load_exported(path, p_input=0.2, p_hidden=0.5):
    """An EddCNN, in eval mode, with the weights of the folder `edd export`
    wrote (K from fc.bias.npy)."""
    k = np.load(os.path.join(path, "fc.bias.npy")).shape[0]
    net = EddCNN(k, p_input, p_hidden)
    state = {name: torch.from_numpy(np.load(os.path.join(path, name + ".npy")))
             for name in net.state_dict()}
    net.load_state_dict(state)
    return net.eval()


def save_for_import(net, path):
    """Write net's parameters as float32 .npy files named as `edd export`
    writes them, into the folder path (created if missing), for
    `edd import --dir path --out M.edd`."""
    os.makedirs(path, exist_ok=True)
    for name, value in net.state_dict().items():
        np.save(os.path.join(path, name + ".npy"), value.detach().cpu().float().numpy())
