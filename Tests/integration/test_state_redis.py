"""The Redis state store with real redis-server and two real Gatehouse processes (issue 13): a revocation at one
instance is honoured by the other within a second; with Redis stopped, checks keep answering from the last known
state; once Redis is back, revocations propagate again. The password comes through secret_env and never reaches
a log."""
import os
import subprocess
import time

import fcgi_client
from harness import RedisServer, auth_params, binary, wait_for

PASSWORD = "redis-pass-" + os.urandom(6).hex()


def instances(gatehouse_factory, workdir):
    redis = RedisServer(workdir, password=PASSWORD)
    extra = f'''state = "{redis.url}"
log_level = "debug"
[gatehouse.secret_env]
"gatehouse.state_password" = "GATEHOUSE_TEST_REDIS_PASSWORD"
'''
    env = dict(os.environ, GATEHOUSE_TEST_REDIS_PASSWORD=PASSWORD)
    a = gatehouse_factory(extra_gatehouse=extra, env=env)
    b = gatehouse_factory(name="other", secret=a.secret, extra_gatehouse=extra, env=env)
    return redis, a, b


def status(g, cookie):
    return fcgi_client.request(g.address, auth_params(cookie=cookie), timeout=3).status


def sign_out(g, cookie):
    r = fcgi_client.request(g.address, {"REQUEST_METHOD": "GET", "REQUEST_URI": "/oauth2/sign_out?rd=/", "DOCUMENT_URI": "/oauth2/sign_out",
                                         "QUERY_STRING": "rd=/", "HTTP_HOST": "localhost", "HTTP_COOKIE": cookie})
    assert r.status == 302


def test_a_revocation_at_one_instance_is_honoured_by_the_other_within_a_second(gatehouse_factory, workdir):
    redis, a, b = instances(gatehouse_factory, workdir)
    try:
        one = "_gatehouse=" + a.seal('{"sub":"ursula","email":"ursula@example.org"}')
        two = "_gatehouse=" + a.seal('{"sub":"victor","email":"victor@example.org"}')
        assert status(a, one) == status(b, one) == 200
        sign_out(a, one)
        assert status(a, one) == 401
        started = time.monotonic()
        wait_for(lambda: status(b, one) == 401, timeout=1.0, what="the other instance to honour the sign-out")
        assert time.monotonic() - started < 1.0
        # The command line, against the same store: every session of an address.
        done = subprocess.run([str(binary()), "session", "revoke", "--config", str(a.config), "--email", "Victor@example.org"],
                              capture_output=True, text=True, env=dict(os.environ, GATEHOUSE_TEST_REDIS_PASSWORD=PASSWORD))
        assert done.returncode == 0, done.stderr
        wait_for(lambda: status(a, two) == 401 and status(b, two) == 401, timeout=1.0, what="both instances to refuse")
        for g in (a, b):
            assert PASSWORD not in g.log_text()
            assert "state store" in g.log_text() and f"127.0.0.1:{redis.port}" in g.log_text()
    finally:
        redis.stop()


def test_redis_stopped_checks_go_on_and_restarted_revocations_propagate_again(gatehouse_factory, workdir):
    redis, a, b = instances(gatehouse_factory, workdir)
    try:
        gone = "_gatehouse=" + a.seal('{"sub":"wanda"}')
        kept = "_gatehouse=" + a.seal('{"sub":"xavier"}')
        later = "_gatehouse=" + a.seal('{"sub":"yara"}')
        sign_out(a, gone)
        wait_for(lambda: status(b, gone) == 401, timeout=1.0, what="the revocation at b")

        redis.stop()
        b.wait_for_log("state store unreachable")
        # Checks keep answering, promptly, from the last known state.
        for _ in range(20):
            started = time.monotonic()
            assert status(b, gone) == 401 and status(b, kept) == 200
            assert time.monotonic() - started < 1.0
        # A sign-out while the store is down ends the session here at once (and says so in the log).
        sign_out(a, later)
        assert status(a, later) == 401
        a.wait_for_log("sign-out not recorded")

        redis.start()   # the same port, empty (no persistence)
        a.wait_for_log("state store reachable again", timeout=40)
        b.wait_for_log("state store reachable again", timeout=40)
        # What each instance knew stays known (a store that forgot never un-revokes), and new revocations flow again.
        assert status(b, gone) == 401
        sign_out(a, kept)
        wait_for(lambda: status(b, kept) == 401, timeout=1.0, what="a revocation after the restart to reach b")
    finally:
        redis.stop()
