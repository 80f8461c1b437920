"""Evidence for bundle_rules.py: the cuDNN 9 shim loads a sub-library on the first call of
one of its functions, so a sub-library whose functions are never called is never loaded.

    python build/cudnn_lazy_loading.py [CUDNN_LIB_DIR]

Needs no GPU: descriptor functions run on the host. The default directory is
the installed nvidia-cudnn wheel's; pass dist/desktop-cnn/_internal/nvidia/cudnn/lib
to run it against the bundle (where libcudnn_adv is absent, so the RNN call
fails cleanly with a non-zero status instead of loading it).
"""

import ctypes
import glob
import os
import site
import sys


def loaded() -> list[str]:
    with open("/proc/self/maps") as f:
        return sorted({os.path.basename(line.split()[-1]) for line in f if "libcudnn" in line})


def main() -> None:
    if len(sys.argv) > 1:
        lib = sys.argv[1]
    else:
        lib = glob.glob(os.path.join(site.getsitepackages()[0], "nvidia", "cudnn", "lib"))[0]
    shim = ctypes.CDLL(os.path.join(lib, "libcudnn.so.9"))
    print("dlopen(libcudnn.so.9):", loaded())
    desc, handle = ctypes.c_void_p(), ctypes.c_void_p()
    calls = [
        ("cudnnGetVersion()", lambda: shim.cudnnGetVersion()),
        (
            "cudnnCreateTensorDescriptor",
            lambda: shim.cudnnCreateTensorDescriptor(ctypes.byref(desc)),
        ),
        (
            "cudnnCreateConvolutionDescriptor",
            lambda: shim.cudnnCreateConvolutionDescriptor(ctypes.byref(desc)),
        ),
        (
            "cudnnBackendCreateDescriptor",
            lambda: shim.cudnnBackendCreateDescriptor(0, ctypes.byref(desc)),
        ),
        ("cudnnCreate (status 1001 without a GPU)", lambda: shim.cudnnCreate(ctypes.byref(handle))),
        ("cudnnCreateRNNDescriptor", lambda: shim.cudnnCreateRNNDescriptor(ctypes.byref(desc))),
    ]
    for name, call in calls:
        status = call()
        print(f"{name} -> {status}; loaded: {', '.join(loaded())}")


if __name__ == "__main__":
    main()
