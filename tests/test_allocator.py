"""nnet keeps freed memory for reuse (glibc): a step that allocates the same large arrays again
does not fault their pages in from the kernel each time; NNET_KEEP_FREED_MEMORY=0 opts out."""

import os
import subprocess
import sys

import pytest

_PROGRAM = """
import resource
import numpy as np
import nnet
def step():
    a = np.ones((1 << 20,))   # 8 MiB, allocated and freed as a training step's arrays are
    b = a * 2
    return float(b[0])
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(**env):
    result = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True,
                            env={**os.environ, **env}, check=True)
    return int(result.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_repeated_large_arrays_reuse_their_memory_unless_opted_out():
    pages_per_step = 2 * (8 << 20) // 4096
    assert _page_faults() < pages_per_step            # 20 steps fault in less than one step's pages
    assert _page_faults(NNET_KEEP_FREED_MEMORY="0") > 2 * pages_per_step
