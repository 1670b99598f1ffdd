"""generator/parallel.py's in_background and both_halves: work in forked processes, and done here when one fails."""

from __future__ import annotations

import os
import signal

import pytest

from generator.parallel import both_halves, in_background, workers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or workers() == 1, reason="needs fork and two cores")


def test_the_other_half_runs_in_a_forked_process_that_shares_what_was_made():
    made = {"index": list(range(1000))}   # made before the fork, read by both halves
    here = os.getpid()
    first, second = both_halves(lambda half: (half, os.getpid(), sum(made["index"][half::2])))
    assert first == (0, here, sum(range(0, 1000, 2)))
    assert second[0] == 1 and second[1] != here and second[2] == sum(range(1, 1000, 2))


def test_a_failed_other_half_is_run_here():
    here = os.getpid()

    def half(n: int) -> tuple[int, int]:
        if os.getpid() != here:
            raise RuntimeError("the forked process fails")
        return n, os.getpid()

    assert both_halves(half) == ((0, here), (1, here))


def test_an_error_here_is_raised_and_the_forked_process_is_reaped(tmp_path):
    def half(n: int) -> int:
        if n == 0:
            raise ValueError("this half fails")
        (tmp_path / "pid").write_text(str(os.getpid()))
        return "x" * 1_000_000   # more than a pipe holds: written only while this half reads

    with pytest.raises(ValueError):
        both_halves(half)
    forked = int((tmp_path / "pid").read_text())
    with pytest.raises(ChildProcessError):
        os.waitpid(forked, os.WNOHANG)   # waited for: no zombie left behind


def test_a_background_job_whose_process_is_killed_is_done_here():
    # The kernel, short of memory, kills the biggest process it can: the build must not fail with a traceback.
    here = os.getpid()

    def job() -> int:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()

    assert in_background(job)() == here


def test_a_background_job_s_error_is_raised_here():
    def job() -> int:
        raise ValueError("in the background")

    with pytest.raises(ValueError, match="in the background"):
        in_background(job)()
