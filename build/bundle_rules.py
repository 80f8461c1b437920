"""What the bundle leaves out of, adds to, and strips from what PyInstaller collects, and why.

Read by the spec (to apply the rules) and by build.py (to check them on the
result). The trimming applies to Linux only: the rules are proven against the
Linux wheels (torch 2.14 + the CUDA 13 wheels on PyPI) and could not be
checked on Windows or macOS, where only the module exclusions apply.

How each CUDA rule was proven, without a GPU at hand:
- load-time needs: ``readelf -d`` NEEDED entries of every library that stays;
  build.py re-checks after each build that every one resolves inside the bundle
  (or to the system's C library and NVIDIA driver), so a rule that removed a
  needed library fails the build.
- run-time loads (``dlopen``): the library names a binary carries as strings,
  the cuDNN functions torch imports (``nm -D --undefined-only``) set against
  the functions each cuDNN sub-library exports, and
  ``build/cudnn_lazy_loading.py``, which shows the cuDNN 9 shim loading each
  sub-library only on the first call of one of its functions.
"""

from __future__ import annotations

# Python packages never imported by this app; PyInstaller follows torch's
# optional imports (torch._inductor imports triton) and would collect them.
EXCLUDED_MODULES = {
    "triton": "kernel compiler for torch.compile / TorchInductor only (891 MiB). The app never "
    "calls torch.compile; torch imports triton behind has_triton() checks, and the "
    "self-test's optimizer (which imports torch._dynamo) proves torch works without it.",
    **{
        name: "ONNX export only (File > Export to ONNX, `desktop-cnn export`): optional extras "
        "that torch.onnx imports when present. The frozen app says how to export from a "
        "Python install instead of carrying them."
        for name in ("onnx", "onnxscript", "onnx_ir", "onnxruntime")
    },
}

# Paths inside the bundle's _internal/ (glob patterns) that are dropped after analysis.
DROPPED_BINARIES = {
    "torch/lib/libtorch_cuda_linalg.so": (
        "CUDA linear algebra (torch.linalg on GPU tensors, 42 MiB). libtorch_cuda.so does not "
        "NEED it: it dlopens it on the first such call (loadLazyTorchLinalgLibrary). The app "
        "does no linear algebra (no linalg/svd/qr/inverse anywhere in desktop_cnn)."
    ),
    "nvidia/*/lib/libcusolver.so.*": (
        "cuSOLVER (135 MiB): NEEDED only by libtorch_cuda_linalg.so. torch's import-time "
        "preload lists it with required=False, so a missing file is skipped."
    ),
    "nvidia/cudnn/lib/libcudnn_adv.so.*": (
        "cuDNN's RNN, CTC-loss and multi-head-attention library (104 MiB). Only the shim "
        "libcudnn.so.9 names it, and loads it on the first call of one of its functions; the "
        "functions torch takes from it are cudnnRNN*/cudnnCTCLoss* (LSTM/GRU/CTC), which the "
        "app's CNNs never call."
    ),
    "nvidia/cudnn/lib/libcudnn_ext.so.*": (
        "cuDNN's causal-conv1d library (122 MiB). Only the shim names it, and torch calls none "
        "of its functions (cudnnCausalConv1d*, cudnnB2BCausalConv1d*)."
    ),
    "torch/bin/protoc*": (
        "the protobuf compiler (2 x 5 MiB) shipped for building against libtorch; no code in "
        "torch runs it."
    ),
}

# Libraries loaded with dlopen() by a bare name, which binary analysis cannot see.
ADDED_BINARIES = {
    "nvidia/*/lib/libnvrtc-builtins.so.*": (
        "dlopened by NVRTC (libnvrtc.so names it, and has no RUNPATH) whenever torch "
        "compiles a kernel at run time (jiterator ops) or cuDNN a runtime-compiled engine; "
        "a plain PyInstaller build leaves it out. 4 MiB."
    ),
}

# Static symbol tables (.symtab/.strtab) are never mapped at run time: the dynamic
# loader and CUDA use .dynsym and the loaded sections only. Stripping them
# (strip --strip-unneeded, as Linux distributions ship their libraries) saves ~210 MiB.
STRIPPED_BINARIES = (
    "torch/lib/libtorch_cpu.so",  # 87 MiB of symbols
    "torch/lib/libtorch_cuda.so",  # 74 MiB
    "torch/lib/libtorch_python.so",  # 10 MiB
    "nvidia/nccl/lib/libnccl.so.*",  # 47 MiB; NCCL is BSD-licensed
)

# What a CUDA convolution and training step load with dlopen(): must stay in the bundle.
REQUIRED_AT_RUN_TIME = (
    "nvidia/cudnn/lib/libcudnn.so.*",  # the shim torch links against
    "nvidia/cudnn/lib/libcudnn_graph.so.*",  # cudnnCreate, the graph API torch's convs use
    "nvidia/cudnn/lib/libcudnn_ops.so.*",  # tensor descriptors, batch norm
    "nvidia/cudnn/lib/libcudnn_cnn.so.*",  # convolution descriptors and legacy conv API
    "nvidia/cudnn/lib/libcudnn_engines_precompiled.so.*",  # loaded by libcudnn_graph
    "nvidia/cudnn/lib/libcudnn_engines_runtime_compiled.so.*",  # loaded by libcudnn_graph
    "nvidia/cudnn/lib/libcudnn_engines_tensor_ir.so.*",  # loaded by libcudnn_graph
    "nvidia/cudnn/lib/libcudnn_heuristic.so.*",  # loaded by libcudnn_graph
    "nvidia/*/lib/libnvrtc-builtins.so.*",
    "torch/lib/libcaffe2_nvrtc.so",  # torch's lazy NVRTC wrapper
)

# NEEDED entries that come from the machine, besides those PyInstaller itself leaves
# to the system (PyInstaller.depend.dylib: glibc, libxcb, libcuda = the NVIDIA driver).
SYSTEM_LIBRARIES = ("linux-vdso.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1")
