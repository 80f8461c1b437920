"""The training loop: a Trainer that emits typed events and obeys stop/pause between batches.

``Trainer.run()`` is synchronous; the GUI calls it in a worker thread and turns
events into queue items, the CLI draws a progress bar from them. The callback
runs on the training thread, so it must only hand events on, never touch Tk.

The loop reads as the book's does: for each epoch, for each batch, one
``_step`` (forward, loss, backward, optimizer and schedule step); then
``_end_epoch`` (evaluate, record, report, save). Everything else (mixup, AMP,
the NaN check, the clocks, snapshots) sits in a small method of its own.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import torch

from ..data.batches import BatchLoader, mix_batch
from ..data.datasets import Dataset
from ..device import device_name, pick_device
from ..errors import TrainingError
from ..files.checkpoints import Checkpoint, ModelInfo
from ..files.model_checks import check_activations
from ..files.save_policy import save_with_fallback
from ..inside.advtrain import adversarial_mix
from ..inspect.evaluation import EvalResult, evaluate
from ..inspect.snapshots import LiveCopy, cpu_state, snapshot_marks
from ..models import arch_name, build_model, classifier_args, spec_for
from ..spec.arith import analyse
from ..spec.base import NamedActivations
from ..spec.layers import NetSpec, SpecError
from .ahead import ahead, spare_core
from .config import TrainConfig
from .distill import Teacher, training_loss
from .distributed import Ranks, all_mean, check_shares, combine, parallel
from .events import BatchEnd, EpochEnd, Event, Failed, Finished, Note, Snapshot, Started
from .fastgraph import pool_before_relu
from .history import BatchLosses, History, new_history, plain_history, typed_history
from .loopstate import EpochTally, LoopState
from .optim import make_optimizer, make_schedule

READ_EVERY = 16  # batches between two read-backs of the losses on a GPU (~10 a second)


@dataclass
class TrainResult:
    status: str  # "finished", "stopped" or "failed"
    message: str
    checkpoint: Checkpoint  # the model as it stands, with its metadata
    history: History = field(default_factory=new_history)
    # After a finished run: what --resume needs to continue it (optimizer, data order, ...).
    training_state: dict[str, Any] | None = None


def new_classifier(
    arch: str | NetSpec,
    input_shape: tuple[int, int, int],
    num_classes: int,
    force: bool = False,
) -> tuple[NamedActivations, dict[str, Any]]:
    """A fresh network fitted to the data's shape and classes, and the arguments that rebuild it.

    The one place the Trainer turns an architecture (a name or a spec) into a model.
    ``force``: build a spec even when it is too big for a desktop (the person agreed);
    it is kept in the arguments, so the saved file rebuilds the same way.
    """
    args = classifier_args(arch, input_shape, num_classes)
    if isinstance(arch, NetSpec):  # its activations at this input size, before any memory
        rows = {r.name: r.memory for r in analyse(arch).rows}
        check_activations(rows, f"the model {arch.name}", force)
    if force and isinstance(arch, NetSpec):
        args["force"] = True
    return build_model(arch, **args), args


class Trainer:
    """Train a classifier on an in-memory Dataset; report through ``callback(event)``."""

    def __init__(
        self,
        data: Dataset,
        arch: str | NetSpec = "lenet5",
        config: TrainConfig | None = None,
        callback: Callable[[Event], None] | None = None,
        resume: Checkpoint | None = None,
        ranks: Ranks | None = None,
        force: bool = False,
    ) -> None:
        self.config = config or TrainConfig()
        self.config.validate()
        self.data, self.arch = data, arch
        self.callback = callback or (lambda event: None)
        self.ranks = ranks or Ranks()  # under torchrun: this process among several
        self.device = self.ranks.device(pick_device(self.config.device))
        torch.manual_seed(self.config.seed)
        if resume is not None:
            self.arch, self.arch_args = resume.info.arch, resume.info.arch_args
            self.model: NamedActivations = resume.model
        else:
            self.model, self.arch_args = new_classifier(
                arch, data.input_shape, len(data.classes), force
            )
        # Channels-last convolutions run a LeNet-5 step ~20% faster on a CPU (oneDNN's layout).
        self.layout = torch.channels_last if self.device.type == "cpu" else torch.preserve_format
        # torch accepts .to(device, memory_format=...); its stubs have no such overload
        self.model.to(self.device, memory_format=self.layout)  # type: ignore[call-overload]
        # The same numbers and gradients, sooner (fastgraph.py); it shares the model's weights.
        self.graph = pool_before_relu(self.model, self._spec())
        self.net = self._parallel() if self.ranks.distributed else self.graph  # what learns
        self.teacher = (
            None
            if self.config.teacher is None
            else Teacher(
                self.config.teacher,
                data.classes,
                data.input_shape,
                data.mean,
                data.std,
                self.device,
            )
        )
        self._resume = resume
        self._epoch_path: Path | None = None  # where epochs are saved when --out failed
        self._stop = threading.Event()
        self._running = threading.Event()  # set = not paused
        self._running.set()
        self._live = LiveCopy()
        self.history: History = new_history()
        self.losses = self._batch_losses()
        self.last_eval: EvalResult | None = None

    def _spec(self) -> NetSpec | None:
        """The model's layers as data (a built-in class: its preset's), if a spec describes it."""
        try:
            return spec_for(arch_name(self.arch), self.arch_args)
        except SpecError:
            return None

    def _parallel(self) -> torch.nn.Module:
        """The model in DDP, which averages the gradients of all processes after backward."""
        check_shares(self.ranks, self.config.batch_size, len(self.data.train))
        return parallel(self.graph, self.ranks, self.device)

    def _batch_losses(self) -> BatchLosses:
        return BatchLosses(self.history["batch_loss"], all_mean if self.ranks.distributed else None)

    # --- control, safe from any thread -------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused worker must wake up to see the stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def request_copy(self) -> None:
        """Ask for a Snapshot (kept=False) of the weights, taken after the batch in flight."""
        self._live.request()

    # --- the loop --------------------------------------------------------------------------
    def run(self, checkpoint_path: str | Path | None = None) -> TrainResult:
        """Train to ``config.epochs``; returns however it ended, never raises on NaN or OOM."""
        try:
            return self._run(checkpoint_path)
        except TrainingError as exc:
            return self._fail(str(exc))
        except torch.OutOfMemoryError:
            return self._fail("out of memory: try a smaller batch size")
        except RuntimeError as exc:
            if "out of memory" in str(exc):
                return self._fail("out of memory: try a smaller batch size")
            raise

    def _run(self, checkpoint_path: str | Path | None) -> TrainResult:
        loop = self._start()
        for epoch in range(loop.start_epoch, self.config.epochs):
            self.model.train()
            tally = EpochTally(time.perf_counter())
            loop.t_mark = time.perf_counter()
            for step, (x, y) in enumerate(islice(self._batches(loop), loop.steps)):
                if self._halted(loop):
                    return self._finish("stopped", "stopped by the user", loop)
                self._step(loop, epoch, step, x, y, tally)
            self._end_epoch(loop, epoch, tally, checkpoint_path)
        n = self.config.epochs
        return self._finish("finished", f"trained {n} epoch{'s' * (n != 1)}", loop)

    def _batches(self, loop: LoopState) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        """This epoch's batches; made on a second thread where a core is spare (ahead.py).

        Not under mixup, which draws from the loader's generator between batches, nor in a
        dry run, where the batches made ahead of its last would draw from it too.
        """
        cfg = self.config
        if cfg.mixup == 0 and not cfg.max_steps and loop.train.augment and spare_core(self.device):
            return ahead(loop.train)
        return loop.train

    def _start(self) -> LoopState:
        """Batches, optimizer, schedule and AMP for this run; Started and the step-0 snapshot."""
        cfg, data, dev = self.config, self.data, self.device
        kind = ("digits" if data.is_digits else "color") if cfg.augment else None
        ranks = self.ranks
        # Under DDP every batch is whole, so that each process has its equal share.
        drop_last = len(data.train) >= 2 * cfg.batch_size or ranks.distributed
        train = BatchLoader(
            data.train,
            cfg.batch_size,
            data.mean,
            data.std,
            dev,
            shuffle=True,
            augment=kind,
            drop_last=drop_last,
            seed=cfg.seed,
            rank=ranks.rank,
            world=ranks.world,
            memory_format=self.layout,
        )
        test = BatchLoader(
            ranks.share(data.test),
            cfg.eval_batch_size,
            data.mean,
            data.std,
            dev,
            memory_format=self.layout,
        )
        opt = make_optimizer(self.model, cfg)
        start_epoch = self._restore(opt, train)
        steps = min(len(train), cfg.max_steps or len(train))  # fewer in a dry run
        sched = make_schedule(opt, cfg, steps, done=start_epoch * steps)
        amp_dtype = self._amp_dtype()
        scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
        loop = LoopState(
            train,
            test,
            opt,
            sched,
            scaler,
            amp_dtype,
            snapshot_marks(steps, cfg.snapshots_per_epoch),
            start_epoch,
            time.perf_counter(),
            random.Random(cfg.seed),
            # A CPU reads a loss for free; a GPU would stop and wait for each.
            read_every=1 if dev.type == "cpu" else READ_EVERY,
            max_steps=cfg.max_steps,
        )
        self.callback(
            Started(
                device_name(dev),
                len(data.train),
                len(data.test),
                loop.steps,
                cfg.epochs,
                start_epoch,
            )
        )
        if loop.marks:  # the weights before any step: random, or where a resumed run left off
            steps = loop.steps
            self._snapshot(start_epoch * steps, start_epoch, steps if start_epoch else 0, steps)
        return loop

    def _halted(self, loop: LoopState) -> bool:
        """Wait here while paused; True once a stop was asked for (checked between batches)."""
        if not self._running.is_set():
            self._running.wait()
            loop.t_mark = time.perf_counter()  # the pause is not training time
        return self._stop.is_set()

    def _step(
        self,
        loop: LoopState,
        epoch: int,
        step: int,
        x: torch.Tensor,
        y: torch.Tensor,
        tally: EpochTally,
    ) -> None:
        """One batch: (mixup,) forward, loss, backward, optimizer and schedule step; report."""
        if self.config.adversarial_eps > 0:  # PGD examples mixed in (core/inside/advtrain.py)
            x = adversarial_mix(self.model, x, y, self.data, self.config, step)
        x, lam, partner = self._mix(loop, x)
        logits, loss = self._learn(loop, x, y, lam, partner)
        self.losses.add(loss)
        # Under mixup an image counts as its larger share's class.
        tally.add(logits, loss, y if partner is None or lam >= 0.5 else y[partner])
        if len(self.losses) >= loop.read_every or step + 1 == loop.steps or not self.losses.done:
            self._read_losses(loop, epoch, step)
        loop.clock()
        self._report_batch(loop, epoch, step)
        # Between two optimizer steps: the weights are whole here, never mid-update.
        # The epoch's last mark waits for the evaluation, to carry its accuracy.
        kept = step + 1 in loop.marks and step + 1 < loop.steps
        if self._live.take() or kept:
            self._snapshot(epoch * loop.steps + step + 1, epoch + 1, step + 1, loop.steps, kept)

    def _mix(
        self, loop: LoopState, x: torch.Tensor
    ) -> tuple[torch.Tensor, float, torch.Tensor | None]:
        """Mixup's blended batch, its ``lam`` and each image's partner (none: unchanged)."""
        if self.config.mixup <= 0:
            return x, 1.0, None
        lam = loop.mix_rng.betavariate(self.config.mixup, self.config.mixup)
        x, partner = mix_batch(x, loop.train.generator, lam)
        return x, lam, partner

    def _learn(
        self,
        loop: LoopState,
        x: torch.Tensor,
        y: torch.Tensor,
        lam: float,
        partner: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward (under autocast on CUDA), backward, one optimizer and one schedule step."""
        with torch.autocast(
            self.device.type,
            dtype=loop.amp_dtype or torch.float32,
            enabled=loop.amp_dtype is not None,
        ):
            logits = self.net(x.contiguous(memory_format=self.layout))
            loss = self._loss(logits.float(), x, y, lam, partner)
        loop.opt.zero_grad(set_to_none=True)
        loop.scaler.scale(loss).backward()
        loop.scaler.step(loop.opt)
        loop.scaler.update()
        loop.sched.step()
        return logits, loss

    def _read_losses(self, loop: LoopState, epoch: int, step: int) -> None:
        """Bring the pending losses to the host; raise TrainingError at the first non-finite."""
        values = self.losses.flush()  # the sync point (on a GPU; a CPU has none to save)
        for back, value in enumerate(reversed(values)):
            if value != value or value in (float("inf"), float("-inf")):
                at = epoch * loop.steps + step - back  # 0-based step of the run
                raise TrainingError(
                    f"the loss became {value} at epoch {at // loop.steps + 1}, "
                    f"batch {at % loop.steps + 1}: "
                    + (self.data.remark() or "try a lower learning rate")
                )

    def _report_batch(self, loop: LoopState, epoch: int, step: int) -> None:
        """A BatchEnd: the latest loss read back, the learning rate, images/s and the ETA."""
        cfg, steps = self.config, loop.steps
        done = (epoch - loop.start_epoch) * steps + step + 1
        rate = done * cfg.batch_size / max(loop.busy, 1e-9)
        left = (cfg.epochs - epoch) * steps - step - 1
        self.callback(
            BatchEnd(
                epoch + 1,
                cfg.epochs,
                step + 1,
                steps,
                epoch * steps + step + 1,
                self.losses.last,
                loop.opt.param_groups[0]["lr"],
                rate,
                left * cfg.batch_size / max(rate, 1e-9),
            )
        )

    def _end_epoch(
        self, loop: LoopState, epoch: int, tally: EpochTally, checkpoint_path: str | Path | None
    ) -> None:
        """Evaluate, record and report the epoch, take its snapshot, save a resumable file."""
        result = combine(evaluate(self.graph, loop.test, len(self.data.classes)), self.device)
        if self.ranks.distributed:
            tally = tally.summed(self.device)
        self.last_eval = result
        record = tally.record(epoch + 1, result)
        self.history["epochs"].append(record)
        self.callback(EpochEnd.of(record, result.per_class_named(self.data.classes)))
        if loop.marks:
            self._snapshot(
                (epoch + 1) * loop.steps,
                epoch + 1,
                loop.steps,
                loop.steps,
                test_accuracy=result.accuracy,
            )
        if checkpoint_path and self.ranks.is_main:
            self._save_epoch(checkpoint_path, loop)

    def _save_epoch(self, path: str | Path, loop: LoopState) -> None:
        """The resumable file of each epoch. If ``path`` cannot be written (a full disk), the
        run goes on and saves to the models folder instead, and says so once."""
        state = self.training_state(loop)
        saved = save_with_fallback(self._epoch_path or path, self.model, self.info(), state)
        if saved.error:
            self._epoch_path = saved.path  # the next epochs go there too
            self.callback(Note(saved.error))

    def training_state(self, loop: LoopState) -> dict[str, Any]:
        """What ``--resume`` needs besides the weights, as a checkpoint stores it."""
        return {
            "epoch": len(self.history["epochs"]),
            "optimizer": loop.opt.state_dict(),
            "scheduler": loop.sched.state_dict(),
            "config": asdict(self.config),
            "loader_rng": loop.train.generator_state().cpu(),
        }

    def _loss(
        self,
        logits: torch.Tensor,
        x: torch.Tensor,
        y: torch.Tensor,
        lam: float,
        partner: torch.Tensor | None,
    ) -> torch.Tensor:
        cfg = self.config
        teacher = None if self.teacher is None else self.teacher.logits(x)
        return training_loss(
            logits,
            y,
            teacher,
            lam,
            partner,
            cfg.label_smoothing,
            cfg.temperature,
            cfg.distill_weight,
        )

    def _amp_dtype(self) -> torch.dtype | None:
        if not (self.config.amp and self.device.type == "cuda"):
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def _restore(self, opt: torch.optim.Optimizer, train: BatchLoader) -> int:
        """Continue a run from its checkpoint: optimizer, history, data order; epochs done.

        The schedule is not restored but rebuilt at the step reached, so that a run
        resumed with more epochs (or another batch size) follows its new total.
        """
        ck = self._resume
        if ck is None or not ck.training_state:
            return 0
        st = ck.training_state
        opt.load_state_dict(st["optimizer"])
        if "loader_rng" in st and train.device.type == "cpu":
            train.generator.set_state(st["loader_rng"])
        self.history = typed_history(ck.info.history)
        self.losses = self._batch_losses()
        return int(st["epoch"])

    def _snapshot(
        self,
        step: int,
        epoch: int,
        batch: int,
        steps: int,
        kept: bool = True,
        test_accuracy: float | None = None,
    ) -> None:
        self.callback(
            Snapshot(
                step,
                epoch,
                batch,
                steps,
                cpu_state(self.model),
                self.info(batch_loss=False),
                kept,
                test_accuracy,
            )
        )

    def info(self, batch_loss: bool = True) -> ModelInfo:
        """Metadata describing the model as it stands now (``batch_loss``: with every loss)."""
        d, records = self.data, self.history["epochs"]
        metrics: dict[str, Any] = {}
        if records:
            last = records[-1]
            metrics = {
                "test_accuracy": last.test_accuracy,
                "test_loss": last.test_loss,
                "epochs": last.epoch,
                # "validation": measured on images held out of the training set
                "evaluated_on": "validation" if d.validation else "test",
            }
            if self.last_eval is not None:
                metrics["per_class"] = self.last_eval.per_class_named(d.classes)
                metrics["confusion"] = self.last_eval.confusion.tolist()
        return ModelInfo(
            arch=arch_name(self.arch),
            arch_args=dict(self.arch_args),
            dataset=d.name,
            classes=list(d.classes),
            input_shape=d.input_shape,
            mean=d.mean,
            std=d.std,
            train_config=asdict(self.config),
            metrics=metrics,
            history=plain_history(self.history, batch_loss),
        )

    def _finish(self, status: str, message: str, loop: LoopState) -> TrainResult:
        self._settle()
        ck = Checkpoint(self.model, self.info())
        self.callback(
            Finished(
                status,
                message,
                time.perf_counter() - loop.t_run,
                ck.info.metrics.get("test_accuracy"),
            )
        )
        # Stopped mid-epoch, the weights are past the last epoch's state: not resumable.
        state = self.training_state(loop) if status == "finished" else None
        return TrainResult(status, message, ck, self.history, state)

    def _settle(self) -> None:
        """The model as everyone else expects it: in eval mode, in the usual memory layout."""
        self.model.eval().to(memory_format=torch.contiguous_format)

    def _fail(self, message: str) -> TrainResult:
        self._settle()
        self.callback(Failed(message))
        return TrainResult("failed", message, Checkpoint(self.model, self.info()), self.history)
