"""The spin model of the session refresh and revocation protocol (Sources/GatehouseCore/State/SessionProtocol.pml),
through scripts/check-model: the protocol passes with every search complete, and each variant that drops one
safeguard (the model's -DBUG_ macros) is caught by the invariant that guards it, so every invariant is shown
able to fail. Needs spin and gcc (scripts/install-deps)."""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-model"
MODEL = ROOT / "Sources" / "GatehouseCore" / "State" / "SessionProtocol.pml"
ALL_RUNS = {"base/safety", "base/no_loss", "base/progress", "crash/safety"}


def check_model(*defines, runs=None, depth=None):
    env = dict(os.environ)
    if runs:
        env["CHECK_MODEL_RUNS"] = " ".join(runs)
    if depth:
        env["CHECK_MODEL_DEPTH"] = str(depth)
    out = subprocess.run([str(SCRIPT), *defines], capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    print(out.stdout, out.stderr)
    return out


def passed_runs(stdout):
    """{run: {states, transitions, depth, memory_mb, seconds, complete}} for each run that passed."""
    return {name: dict(field.split("=", 1) for field in fields.split())
            for name, fields in re.findall(r"^check-model: (\S+): passed: (.*)$", stdout, re.M)}


def test_the_protocol_passes_every_run_with_a_complete_search():
    out = check_model()
    assert out.returncode == 0, out.stdout
    assert "FAILED" not in out.stdout
    runs = passed_runs(out.stdout)
    assert set(runs) == ALL_RUNS
    for name, stats in sorted(runs.items()):
        assert stats["complete"] == "yes"
        print(f"{name}: {float(stats['states']):,.0f} states, {float(stats['transitions']):,.0f} transitions, "
              f"depth {stats['depth']}, {stats['memory_mb']} MB, {stats['seconds']} s")
    # The whole space, not a model that stopped early: the safety runs see millions of states.
    assert float(runs["base/safety"]["states"]) > 1_000_000
    assert float(runs["crash/safety"]["states"]) > float(runs["base/safety"]["states"])
    assert runs["base/no_loss"]["states"] == runs["base/safety"]["states"]


# (macros, the run that must fail, what pan must report there)
VARIANTS = [
    # The protocol as first described: invalid_grant while the store is down forgets the revocation (rule R1).
    ("-DBUG_REVOKE_WRITE_DROPPED", "base/safety", "assertion violated a_no_token_sent_twice"),
    ("-DBUG_NO_LOCK", "base/safety", "assertion violated a_no_token_sent_twice"),
    ("-DBUG_COOKIE_TOKEN", "base/safety", "assertion violated c_no_live_session_lost"),
    ("-DBUG_TOKEN_FROM_MIRROR", "base/safety", "assertion violated c_no_live_session_lost"),
    ("-DBUG_RELEASE_BEFORE_WRITE", "base/safety", "assertion violated c_no_live_session_lost"),
    ("-DBUG_DROP_UNWRITTEN_TOKEN", "base/safety", "assertion violated a_no_token_sent_twice"),
    ("-DBUG_REFRESH_RESURRECTS", "base/safety", "assertion violated b_revoked_denied_after_sync"),
    ("-DCRASH -DBUG_SERVE_BEFORE_SYNC", "base/safety", "assertion violated b_revoked_denied_after_sync"),
    ("-DBUG_LOCK_NEVER_EXPIRES", "base/progress", "acceptance cycle"),
    # The assumptions the header states, dropped.
    ("-DLOCK_EXPIRES_WHILE_HELD", "base/safety", "assertion violated a_no_token_sent_twice"),
    ("-DSTORE_LOSES_DATA", "base/safety", "assertion violated a_no_token_sent_twice"),
    # A lost answer after the provider rotated does lose the session: (c) needs its exception.
    ("-DNO_LOSS_EXCEPTION", "base/safety", "assertion violated c_no_live_session_lost"),
    # The ltl form of (c) catches a bug on its own, with the asserts off.
    ("-DBUG_NO_LOCK -DLTL_ONLY", "base/no_loss", "assertion violated  !( !(( !((p_fam_rev||st_rev))"),
]


@pytest.mark.parametrize("defines, run, verdict", VARIANTS, ids=[v[0].replace("-D", "") for v in VARIANTS])
def test_a_variant_without_a_safeguard_is_caught(defines, run, verdict):
    out = check_model(*defines.split(), runs=[run])
    assert out.returncode == 1, out.stdout
    block = out.stdout.split(f"check-model: {run}: FAILED", 1)
    assert len(block) == 2, f"{run} did not fail"
    report = block[1]
    assert verdict in report
    assert "counterexample" in report and "trail ends after" in report


def test_every_bug_macro_of_the_model_is_tested():
    in_model = set(re.findall(r"#ifn?def (BUG_\w+)", MODEL.read_text()))
    tested = {m for defines, _, _ in VARIANTS for m in re.findall(r"-D(BUG_\w+)", defines)}
    assert in_model and in_model <= tested, in_model - tested


def test_an_incomplete_search_fails_the_check():
    out = check_model(runs=["base/safety"], depth=20)
    assert out.returncode == 1
    assert "max search depth too small" in out.stdout

