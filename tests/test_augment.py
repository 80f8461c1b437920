"""The fast augmentation ops against torch's own (the oracle), and their two code paths."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from desktop_cnn.core.data.batches import (
    _rewidth_all,
    _rewidth_picked,
    affine_grid,
    max3x3,
    random_flip,
    random_thickness,
    windows_at,
)


def test_max3x3_is_torchs_3x3_max_pool_exactly():
    x = torch.randn(5, 2, 9, 7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(max3x3(x), F.max_pool2d(x, 3, 1, 1))


def test_affine_grid_is_torchs_affine_grid():
    g = torch.Generator().manual_seed(1)
    theta = torch.eye(2, 3) + 0.2 * torch.randn(6, 2, 3, generator=g)
    for h, w in ((28, 28), (32, 24), (1, 5)):
        ours = affine_grid(theta, h, w)
        torchs = F.affine_grid(theta, (6, 1, h, w), align_corners=False)
        assert ours.shape == torchs.shape and ours.is_contiguous()
        torch.testing.assert_close(ours, torchs, atol=1e-6, rtol=0)


def test_rewidth_on_picked_rows_equals_whole_batch_ops():
    """The CPU path (picked rows only) and the GPU path (where) agree bit for bit."""
    g = torch.Generator().manual_seed(2)
    x = torch.rand(40, 1, 28, 28, generator=g)
    pick = torch.rand(40, generator=g)
    for thick, thin in (
        (pick < 0.1, (pick >= 0.1) & (pick < 0.2)),
        (torch.zeros(40, dtype=torch.bool), torch.zeros(40, dtype=torch.bool)),
        (torch.ones(40, dtype=torch.bool), torch.zeros(40, dtype=torch.bool)),
    ):
        assert torch.equal(_rewidth_picked(x, thick, thin), _rewidth_all(x, thick, thin))


def test_random_thickness_changes_only_a_share_and_leaves_its_input():
    x = torch.rand(500, 1, 28, 28, generator=torch.Generator().manual_seed(3))
    before = x.clone()
    out = random_thickness(x, torch.Generator().manual_seed(4), p=0.2)
    assert torch.equal(x, before)  # the caller's batch is not written to
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert 0.12 < changed < 0.28  # about a fifth: p = 0.2
    thick = (out > x).flatten(1).any(1)
    assert torch.equal(out[thick], max3x3(x[thick]))  # a thickened digit is the 3x3 max


def test_flipping_floats_by_lerp_mirrors_exactly_what_where_mirrors():
    x = torch.randint(0, 256, (64, 3, 8, 8), dtype=torch.uint8)
    a = random_flip(x, torch.Generator().manual_seed(5))  # uint8: where()
    b = random_flip((x.float() - 120.5) / 63.2, torch.Generator().manual_seed(5))  # lerp
    assert torch.equal((a.float() - 120.5) / 63.2, b)
    mirrored = (a != x).flatten(1).any(1).float().mean().item()
    assert 0.3 < mirrored < 0.7  # about half


def test_windows_at_picks_each_images_own_window():
    g = torch.Generator().manual_seed(6)
    x = torch.randint(0, 256, (20, 3, 12, 10), dtype=torch.uint8, generator=g)
    dy = torch.randint(0, 5, (20,), generator=g).tolist()
    dx = torch.randint(0, 3, (20,), generator=g).tolist()

    def by_hand(images, rows, cols):
        pairs = zip(images, rows, cols, strict=True)
        return torch.stack([im[:, r : r + 8, c : c + 8] for im, r, c in pairs])

    got = windows_at(x, torch.tensor(dy), torch.tensor(dx), 8, 8)
    assert got.is_contiguous() and torch.equal(got, by_hand(x, dy, dx))
    floats = x.float().transpose(2, 3)  # any layout and dtype: (20, 3, 10, 12)
    got = windows_at(floats, torch.tensor(dx), torch.tensor(dy), 8, 8)
    assert torch.equal(got, by_hand(floats, dx, dy))
