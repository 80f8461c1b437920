"""Distillation: the loss, the frozen teacher, and a student that learns from it alone."""

from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from desktop_cnn.core.data.datasets import Split
from desktop_cnn.core.errors import ConfigError, DesktopCnnError
from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.models import build_model, classifier_args
from desktop_cnn.core.train.distill import Teacher, distillation_loss
from desktop_cnn.core.train.training import TrainConfig, Trainer


def test_loss_is_hintons_formula():
    torch.manual_seed(0)
    s, t, y = torch.randn(8, 10), torch.randn(8, 10), torch.randint(0, 10, (8,))
    T, w = 3.0, 0.7
    p = F.softmax(t / T, 1)
    kl = (p * (p.log() - F.log_softmax(s / T, 1))).sum(1).mean()
    expected = w * T * T * kl + (1 - w) * F.cross_entropy(s, y)
    assert distillation_loss(s, t, y, T, w).item() == pytest.approx(expected.item(), rel=1e-5)
    # Weight 0 is plain cross-entropy; a student that matches the teacher has no soft loss.
    assert distillation_loss(s, t, y, T, 0.0).item() == pytest.approx(
        F.cross_entropy(s, y).item(), rel=1e-6
    )
    assert distillation_loss(t, t, y, T, 1.0).item() == pytest.approx(0.0, abs=1e-6)


def test_temperature_squared_keeps_the_gradient_size():
    # Hinton et al.: soft-target gradients scale as 1/T², so the T² factor keeps them
    # comparable across temperatures (for logits near zero mean).
    torch.manual_seed(1)
    t, s0 = torch.randn(64, 10), torch.randn(64, 10)
    norms = []
    for T in (4.0, 8.0, 16.0):
        s = s0.clone().requires_grad_(True)
        distillation_loss(s, t, torch.zeros(64, dtype=torch.long), T, 1.0).backward()
        norms.append(s.grad.norm().item())  # T * (p_s - p_t), and p_s - p_t ~ (s - t) / (10 T)
    assert norms[0] == pytest.approx(norms[2], rel=0.2)
    assert norms[1] == pytest.approx(norms[2], rel=0.05)


@pytest.fixture(scope="module")
def small(mnist):
    return replace(
        mnist,
        train=Split(mnist.train.images[:3000], mnist.train.labels[:3000]),
        test=Split(mnist.test.images[:1000], mnist.test.labels[:1000]),
    )


@pytest.fixture(scope="module")
def teacher_file(small, tmp_path_factory):
    """A widenet trained for 2 epochs on 3,000 real digits."""
    result = Trainer(
        small, "widenet", TrainConfig(epochs=2, batch_size=64, optimizer="sgd", seed=0)
    ).run()
    assert result.checkpoint.info.metrics["test_accuracy"] > 0.9
    path = tmp_path_factory.mktemp("teacher") / "teacher.pt"
    save_checkpoint(path, result.checkpoint.model, result.checkpoint.info)
    return path


@pytest.mark.slow  # trains a widenet teacher
def test_teacher_renormalises_batches_from_other_statistics(small, teacher_file):
    own = load_checkpoint(teacher_file)
    x01 = small.test.images[:32].float() / 255
    mean, std = own.info.mean[0], own.info.std[0]
    expected = own.model.eval()((x01 - mean) / std)
    # A student whose data has other statistics sends (x - 0.5) / 0.25.
    teacher = Teacher(
        teacher_file, small.classes, small.input_shape, [0.5], [0.25], torch.device("cpu")
    )
    got = teacher.logits((x01 - 0.5) / 0.25)
    assert torch.allclose(got, expected, atol=1e-4)
    assert not any(p.requires_grad for p in teacher.model.parameters())


@pytest.mark.slow  # trains a widenet teacher
def test_teacher_must_fit_the_data(small, teacher_file, tmp_path):
    with pytest.raises(DesktopCnnError, match="knows classes"):
        Teacher(
            teacher_file,
            small.classes[:5],
            small.input_shape,
            small.mean,
            small.std,
            torch.device("cpu"),
        )
    with pytest.raises(DesktopCnnError, match="takes"):
        Teacher(
            teacher_file, small.classes, (3, 32, 32), [0.5] * 3, [0.25] * 3, torch.device("cpu")
        )
    with pytest.raises(ConfigError, match="temperature"):
        TrainConfig(teacher=str(teacher_file), temperature=0).validate()


@pytest.mark.slow  # trains a teacher, then two students
def test_student_learns_from_the_teacher_alone(small, teacher_file):
    # Every training label is wrong (shifted by one); with distill_weight 1 the labels are
    # ignored, so the student can only be right on the test set by copying the teacher.
    wrong = replace(small, train=Split(small.train.images, (small.train.labels + 1) % 10))
    cfg = TrainConfig(
        epochs=2, batch_size=64, seed=0, teacher=str(teacher_file), distill_weight=1.0
    )
    student = Trainer(wrong, "lenet5", cfg).run()
    assert student.checkpoint.info.train_config["teacher"] == str(teacher_file)
    assert student.checkpoint.info.metrics["test_accuracy"] > 0.75  # measured 0.847
    # The same wrong labels without a teacher teach the wrong answers.
    plain = Trainer(wrong, "lenet5", replace(cfg, teacher=None)).run()
    assert plain.checkpoint.info.metrics["test_accuracy"] < 0.1


def test_widenet_shapes():
    for shape in ((1, 28, 28), (3, 32, 32)):
        model = build_model("widenet", **classifier_args("widenet", shape, 10))
        acts = model.activations(torch.zeros(2, *shape))
        assert [n for n in acts if not n.startswith(("bn", "relu", "gap"))] == [
            "conv1",
            "conv2",
            "pool1",
            "conv3",
            "conv4",
            "pool2",
            "conv5",
            "pool3",
            "fc",
        ]
        assert acts["pool3"].shape[1:] == (64, shape[1] // 8, shape[1] // 8)
        assert sum(p.numel() for p in model.parameters()) == 35674 + (shape[0] - 1) * 16 * 9
        assert acts["fc"].shape == (2, 10)
