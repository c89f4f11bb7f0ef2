"""The real binary's command line: help, version, new-secret, check-config."""
import subprocess
from harness import binary, new_secret



def run(*args, input=None):
    return subprocess.run([str(binary()), *args], capture_output=True, text=True, input=input, timeout=30)


def test_help_lists_commands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("serve", "check-config", "new-secret", "session"):
        assert command in out.stdout


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip().count(".") == 2


def test_new_secret_is_strong_and_fresh(tmp_path):
    a, b = run("new-secret").stdout.strip(), run("new-secret").stdout.strip()
    assert a != b and len(a) == 43
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[auth]\ncookie_secret = "{a}"\n')
    assert run("check-config", "--config", str(cfg)).returncode == 0


def test_check_config_lists_every_problem_and_hides_secrets(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("""
[auth]
cookie_secret = "hunter2-is-my-password"
redirect_uri = "http://127.0.0.1/cb"
client_secret = "very-private-client-secret"
[gatehouse]
workers = -3
cookie_samesite = "sideways"
""")
    out = run("check-config", "--config", str(cfg))
    assert out.returncode != 0
    for path in ("auth.cookie_secret", "auth.client_id", "auth.server_metadata_url", "gatehouse.workers", "gatehouse.cookie_samesite"):
        assert path in out.stderr, path
    assert "gatehouse new-secret" in out.stderr
    assert "hunter2" not in out.stderr + out.stdout
    assert "very-private-client-secret" not in out.stderr + out.stdout


def test_check_config_missing_file(tmp_path):
    out = run("check-config", "--config", str(tmp_path / "nope.toml"))
    assert out.returncode != 0 and "cannot read" in out.stderr


def test_streamlit_secrets_file_loads(tmp_path):
    cfg = tmp_path / "secrets.toml"
    cfg.write_text(f"""
some_api_key = "abc"
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "{new_secret()}"
client_id = "id"
client_secret = "secret"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
[auth.microsoft]
client_id = "m"
client_secret = "s"
server_metadata_url = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
""")
    out = run("check-config", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    assert "default, microsoft" in out.stdout


def test_session_seal_and_open_round_trip(gatehouse_factory):
    g = gatehouse_factory(start=False)
    value = g.seal('{"sub":"diana","email":"d@example.org"}')
    out = run("session", "open", "--config", str(g.config), input=value + "\n")
    assert out.returncode == 0 and '"email":"d@example.org"' in out.stdout
    bad = run("session", "open", "--config", str(g.config), input=value[:-3] + "xyz\n")
    assert bad.returncode == 1 and "no session" in bad.stderr


def test_check_config_names_the_state_store_never_its_password(tmp_path):
    cfg = tmp_path / "state.toml"
    cfg.write_text(f'''[auth]
cookie_secret = "{run("new-secret").stdout.strip()}"
[gatehouse]
state = "redis://cache.internal:6380/2"
state_password = "redis-password-never-printed"
refresh_interval = "5m"
''')
    out = run("check-config", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    assert "state: redis://cache.internal:6380/2 (with password), refresh every 300 s" in out.stdout
    assert "redis-password-never-printed" not in out.stdout + out.stderr
    cfg.write_text(cfg.read_text().replace('state = "redis://cache.internal:6380/2"', 'state = "redis://user:pw@cache/0"'))
    bad = run("check-config", "--config", str(cfg))
    assert bad.returncode == 2 and "gatehouse.state" in bad.stderr and "pw" not in bad.stderr.replace("password", "")


def test_check_config_json_has_the_same_findings_as_the_text(tmp_path):
    import json
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[auth]\ncookie_secret = "hunter2-is-my-password"\nclient_secret = "very-private"\n[gatehouse]\nworkers = -3\n')
    text, machine = run("check-config", "--config", str(cfg)), run("check-config", "--json", "--config", str(cfg))
    assert text.returncode == machine.returncode == 2 and machine.stderr == ""
    report = json.loads(machine.stdout)
    assert report["ok"] is False and report["file"] == str(cfg) and report["warnings"] == []
    assert [f"  - {p['key']}: {p['message']}" for p in report["problems"]] == text.stderr.splitlines()[1:]
    assert {p["key"] for p in report["problems"]} >= {"auth.cookie_secret", "gatehouse.workers"}
    assert "hunter2" not in machine.stdout and "very-private" not in machine.stdout

    cfg.write_text(f'[auth]\ncookie_secret = "{new_secret()}"\n[gatehouse]\nprefix = "/_auth"\nstate = "none"\n')
    text, machine = run("check-config", "--config", str(cfg)), run("check-config", "--json", "--config", str(cfg))
    assert text.returncode == machine.returncode == 0
    report = json.loads(machine.stdout)
    assert report["ok"] is True and report["problems"] == [] and report["prefix"] == "/_auth"
    assert report["providers"] == [] and report["state"]["backend"] == "none" and report["cookie"]["secrets"] == 1
    assert len(report["warnings"]) == 1 and f"warning: {report['warnings'][0]}" in text.stdout.splitlines()

    missing = run("check-config", "--json", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["problems"][0]["key"] == "(file)" and "cannot read" in missing.stdout
