/*
 * SessionProtocol.pml: a Promela model of the session refresh and revocation protocol (issue 13), checked
 * with spin by scripts/check-model (must pass). Tests/integration/test_model.py runs it and also checks that
 * each -DBUG_ variant below fails, so every invariant is shown to be able to fail.
 *
 * What stands for what in the Swift code
 * --------------------------------------
 * One session S: an encrypted cookie with S, the login's refresh token T0 and issuedAt (= 0); two instances.
 *   StateStore (StateStore.swift)               globals up, st_tok, st_at, st_rev, lock. Every store call is
 *                                               one atomic step and does nothing (fails) while !up.
 *     refreshed(S)      = st_tok, st_at         newest refresh token and refreshedAt. "None" is {T0, 0},
 *                                               exactly the cookie's, so "the store's token if any, else the
 *                                               cookie's T0" is st_tok.
 *     revokedSession(S) = st_rev                (a per-user revocation, revokedSubject, acts the same on S)
 *     refreshLock(S)    = lock                  0 free, else the owner. putIfAbsent: Refresher step (1);
 *                                               remove(ifValue: owner): RELEASE.
 *   StoreOutages                                the store going down and coming back (MAX_OUTAGES times).
 *   SessionState (the in-memory mirror)         m_rev[i], m_at[i], m_tok[i] on instance i (1, 2).
 *   Sync                                        SessionState's background sync (changes(after:), or the full
 *                                               resync after an outage): one explicit step copying the store
 *                                               into the mirror. It may lag arbitrarily.
 *   AuthCheck.decide                            Checker: reads only the mirror (never I/O). Revoked: deny.
 *                                               Due (now > refreshedAt): enqueue a refresh (want[i]). Past
 *                                               refreshedAt + GRACE: deny (401), not lost.
 *   Refresher                                   Refresher, one per instance: steps (1)-(5) of the protocol.
 *   TokenClient (refresh_token grant), provider the atomic step (4) with p_cur, p_fam_rev, p_user_rev: the
 *                                               provider rotates (a use of T(n) returns T(n+1) and invalidates
 *                                               T(n)); a reused token is invalid_grant and revokes the whole
 *                                               family (OAuth 2.1 reuse detection). The request may be lost
 *                                               (provider saw nothing) or the answer may be lost (provider
 *                                               rotated or refused): both look like a timeout.
 *   ProviderRevokesUser                         the user revoked at the provider (or not).
 *   BackChannelLogout                           back-channel logout or sign-out at instance k (or none): puts
 *                                               revokedSession(S); instance k's mirror learns it at once.
 *   LockTTL                                     refreshLock's expiresAt passing.
 *   Clock                                       one tick = refresh_interval (MAXT ticks).
 *   CRASH_CLEANUP (-DCRASH)                     instance 1 restarts once: while idle, between a provider
 *                                               answer and its write, or while waiting to write it. Its
 *                                               memory (mirror, an unwritten answer, the lock it held) is
 *                                               lost. (A restart elsewhere equals a lost answer or a failed
 *                                               remove, which the base model has.)
 *
 * ASSUMPTION (lock TTL): the refreshLock TTL is larger than the provider timeout plus the longest store
 * outage Gatehouse tolerates, so a lock never expires while its holder is alive and inside steps (1)-(5)
 * (holding[i]); an abandoned lock (remove failed while the store was down, the holder crashed) expires at
 * any later moment. -DLOCK_EXPIRES_WHILE_HELD drops the assumption: T(n) is then sent twice.
 * ASSUMPTION (durable store): the store comes back with what it had (SQLite; Redis with persistence).
 * -DSTORE_LOSES_DATA lets it come back empty: T0 is then sent again (and revocations are forgotten).
 *
 * Invariants (asserts on ghost bools named after them, so pan's message names the invariant)
 * -----------------------------------------------------------------------------------------------
 * (a) a_no_token_sent_twice: no refresh token is sent to the provider after an answer to an earlier send of
 *     it came back. A resend after a timeout is allowed: it is the only way to tell a lost request (the
 *     provider saw nothing; the resend works) from a lost answer (the provider rotated; the resend is reuse).
 * (b) b_revoked_denied_after_sync: a check never allows S on an instance that knows S is revoked: it took
 *     the logout, it got invalid_grant for S, or its mirror synced after revokedSession(S) was written (the
 *     propagation bound is one sync). An instance keeps this knowledge across a restart.
 * (c) c_no_live_session_lost: the provider's reuse detection never fires unless a rotation's answer was
 *     lost (lost_rotation: T(n+1) existed only in a lost answer or a crashed process), and a Refresher
 *     writes revokedSession(S) only when the user was revoked at the provider, logged out, or after such a
 *     loss. Also as ltl no_loss: [] (family revoked or revokedSession(S) -> user revoked at the provider,
 *     logout, or lost_rotation).
 * ltl progress: under weak fairness, once the (finite) faults stop, the session ends up refreshed in the
 *     store and in both mirrors, or dead. Checked without revocations (-DNO_REVOCATIONS), which would make
 *     it true anyway: it shows that no lock stays stuck and no refresh is starved.
 *
 * What spin showed, and the rules that follow (the Swift code implements R1-R4)
 * ------------------------------------------------------------------------------
 * R1 (counterexamples to the protocol as first described, -DBUG_REVOKE_WRITE_DROPPED, where invalid_grant
 *    only meant "put revokedSession(S), release"). (i) The user is revoked at the provider; the store goes
 *    down; instance 2 sends T0, gets invalid_grant, its put fails and nothing remembers it; the lock's remove
 *    fails too, the abandoned lock expires; instance 1 sends the dead T0 again (a), and until then every
 *    instance allows a session known to be dead. (ii) Even with the store up, instance 2 allows S after its
 *    own invalid_grant until its next sync (b).
 *    Rule: invalid_grant is a result to keep, like a new token: mark S revoked in the own mirror at once,
 *    keep the lock, retry the revokedSession(S) put until the store is back; a resync keeps the unwritten
 *    entry.
 * R2 (-DBUG_DROP_UNWRITTEN_TOKEN; the rule was in the description, spin shows it is needed): a new token
 *    that could not be written is kept with the lock and written when the store is back. Dropped, the next
 *    refresh sends T(n) again: reuse, the family is revoked, the session is lost.
 * R3 (-DCRASH -DBUG_SERVE_BEFORE_SYNC): a logout reaches instance 1, which restarts: its mirror is empty and
 *    a check would allow the revoked session. Rule: until the mirror's first complete sync after start,
 *    checks deny (fail closed; while the store is down at start-up nobody gets in).
 * R4 (-DNO_LOSS_EXCEPTION: a limit, not a bug): instance 2 sends T0, the provider rotates to T1, the answer
 *    is lost; the retry on a later check sends T0: reuse, the family is revoked, the session is lost. The
 *    same happens when an instance crashes between the answer and the write. T1 is gone, so no client rule
 *    saves the session under strict rotation; the retry is still right, since had the request been lost
 *    instead, it succeeds (spin shows a lost request never loses the session). A provider reuse interval
 *    (the previous token accepted again for a few seconds) would. Rule: on shutdown, finish writing
 *    unwritten results before exiting.
 * Other safeguards, each shown necessary by its variant: the lock (-DBUG_NO_LOCK: both instances send T0);
 * the store's token, not the cookie's (-DBUG_COOKIE_TOKEN: T0 again after a refresh) nor the mirror's
 * (-DBUG_TOKEN_FROM_MIRROR: a mirror that has not synced yet holds T0); write refreshed(S) before removing
 * the lock (-DBUG_RELEASE_BEFORE_WRITE: the other instance takes the lock and reads T0 in between);
 * revocations in entries of their own that a refresh never writes (-DBUG_REFRESH_RESURRECTS: a refresh that
 * read its record before a logout writes it back after it, and the next sync lets the session in (b)); the
 * lock TTL for abandoned locks (-DBUG_LOCK_NEVER_EXPIRES: a remove fails during an outage and no refresh
 * ever runs again, an acceptance cycle of ltl progress).
 * -DLTL_ONLY turns the asserts off, so that the ltl properties are seen to catch a bug on their own.
 */

#define NI 2            /* Gatehouse instances (the processes below are written for two) */
#ifndef MAXT
#define MAXT         2   /* clock ticks (refresh intervals) explored */
#endif
#ifndef GRACE
#define GRACE        1   /* refresh_grace, in refresh intervals */
#endif
#ifndef MAX_OUTAGES
#define MAX_OUTAGES  2   /* store outages */
#endif
#ifndef MAX_LOSSES
#define MAX_LOSSES   1   /* lost provider requests or answers */
#endif
#ifndef MAXTOK
#define MAXTOK       8   /* token numbers T0..T7 (a model bound, asserted) */
#endif

mtype = { OK, INVALID, TIMEOUT };
#define NONE          0
#define PEND_REFRESH  1
#define PEND_REVOKE   2

/* StateStore */
bool up = true;
byte st_tok = 0;        /* refreshed(S).token (0 = none: the cookie's T0) */
byte st_at = 0;         /* refreshed(S).refreshedAt (0 = none: the cookie's issuedAt) */
bool st_rev = false;    /* revokedSession(S) */
byte lock = 0;          /* refreshLock(S): 0 free, else owner instance */

/* the provider */
byte p_cur = 0;         /* the one valid refresh token of the family */
bool p_fam_rev = false; /* family revoked by reuse detection */
bool p_user_rev = false;/* user revoked at the provider */

byte now = 0;

/* SessionState mirror and Refresher state per instance, index 1..NI (0 unused) */
bool m_rev[NI+1];
byte m_at[NI+1];
byte m_tok[NI+1];
bool want[NI+1];        /* a refresh enqueued by AuthCheck.decide */
bool holding[NI+1];     /* the Refresher is inside steps (1)-(5) with the lock */
byte pend[NI+1];        /* an unwritten result: NONE, PEND_REFRESH, PEND_REVOKE */
byte pend_tok[NI+1];
byte pend_at[NI+1];

/* fault budgets */
byte outages = 0;
byte losses = 0;

/* ghosts */
bool consumed[MAXTOK];  /* a send of T(n) reached the provider and its answer came back */
bool lost_rotation = false; /* the provider rotated but T(n+1) was lost (in a lost answer or a crashed process) */
bool logout_done = false;
bool synced_rev[NI+1];  /* the instance took the logout, or its mirror synced after revokedSession(S) was written */
bool knows_dead[NI+1];  /* the instance got invalid_grant for S (and has not crashed since) */
bool a_no_token_sent_twice = true;
bool b_revoked_denied_after_sync = true;
bool c_no_live_session_lost = true;
bool model_bound_ok = true;

/* -DCRASH: instance 1 may restart once (its memory is lost) */
bool crashed = false;
bool ready[NI+1] = true;  /* the mirror has completed a sync since the instance started */
#ifdef BUG_SERVE_BEFORE_SYNC
#define READY(i) true
#else
#define READY(i) ready[i]
#endif

#ifdef LTL_ONLY
#define CHECK(v) skip   /* the invariant asserts off: only the ltl properties judge (test_model.py) */
#else
#define CHECK(v) assert(v)
#endif

#ifdef NO_LOSS_EXCEPTION
#define LOSS_EXCEPTION false
#else
#define LOSS_EXCEPTION lost_rotation
#endif

/* A restart of instance i (-DCRASH): its memory is lost. An answer it had not written is lost with it; a
 * lock it held is abandoned (LockTTL frees it); its mirror is empty until the next sync. */
#define CRASH_CLEANUP(i) \
  crashed = true; \
  printf("MSC: instance %d restarts: its memory is lost\n", i); \
  if \
  :: unwritten -> consumed[tok] = false; \
     if \
     :: res == OK -> lost_rotation = true \
     :: else -> skip \
     fi \
  :: else -> skip \
  fi; \
  knows_dead[i] = false; holding[i] = false; want[i] = false; pend[i] = NONE; pend_tok[i] = 0; pend_at[i] = 0; \
  m_rev[i] = false; m_at[i] = 0; m_tok[i] = 0; ready[i] = false
#ifdef CRASH
#define CAN_CRASH(i)   (i == 1 && !crashed)
#define CRASH_POINT(i) if :: atomic { CAN_CRASH(i) -> CRASH_CLEANUP(i) }; goto next :: true -> skip fi;
#define CRASH_WAIT(i)  atomic { CAN_CRASH(i) -> CRASH_CLEANUP(i) }; goto next
#else
#define CRASH_POINT(i)
#define CRASH_WAIT(i)  false
#endif

/* remove(refreshLock(S), ifValue: i): fails while the store is down, and the lock is then abandoned */
#define RELEASE(i) \
  atomic { \
    if \
    :: up && lock == i -> lock = 0 \
    :: !up && lock == i -> printf("MSC: instance %d cannot remove refreshLock(S) (store down)\n", i) \
    :: else -> skip \
    fi; \
    holding[i] = false \
  }

/* AuthCheck.decide on instance i: no I/O, only the mirror. */
proctype Checker(byte i) {
end:
  do
  :: d_step {
       if
       :: !READY(i) -> skip                                 /* R3: no sync since start: deny */
       :: READY(i) && m_rev[i] -> skip                      /* deny: revoked */
       :: READY(i) && !m_rev[i] ->
          /* allowed unless past refresh_interval + refresh_grace (then 401, not lost) */
          b_revoked_denied_after_sync = !((synced_rev[i] || knows_dead[i]) && now <= m_at[i] + GRACE);
          CHECK(b_revoked_denied_after_sync);
          if
          :: now > m_at[i] -> want[i] = true                /* due: enqueue a background refresh */
          :: else -> skip
          fi
       fi
     }
  od
}

/* SessionState's background sync on instance i: changes(after:) or a full resync, one step. */
proctype Sync(byte i) {
end:
  do
  :: d_step {
       up ->
#ifdef BUG_REVOKE_WRITE_DROPPED
       m_rev[i] = st_rev;
#else
       m_rev[i] = st_rev || pend[i] == PEND_REVOKE;         /* R1: a resync keeps our unwritten revocation */
#endif
       if
       :: pend[i] == PEND_REFRESH -> m_tok[i] = pend_tok[i]; m_at[i] = pend_at[i]
       :: else -> m_tok[i] = st_tok; m_at[i] = st_at
       fi;
       if
       :: logout_done -> synced_rev[i] = true
       :: else -> skip
       fi;
       ready[i] = true
     }
  od
}

/* Refresher on instance i. */
proctype Refresher(byte i) {
  byte tok, newtok;
  bool ok, unwritten;
  mtype res;
end:
  do
#ifdef CRASH
  :: atomic { CAN_CRASH(i) -> CRASH_CLEANUP(i) }             /* a restart while idle */
#endif
  :: want[i] ->
     want[i] = false;
     ok = true;
#ifndef BUG_NO_LOCK
     /* (1) putIfAbsent(refreshLock(S), owner i) */
     atomic {
       if
       :: up && lock == 0 -> lock = i; holding[i] = true; printf("MSC: instance %d takes refreshLock(S)\n", i)
       :: else -> ok = false                                /* taken, or the store is down */
       fi
     }
#endif
     if
     :: ok ->
        /* (2) read refreshed(S) and revokedSession(S) from the store, not the mirror */
        atomic {
          if
          :: !up -> ok = false                              /* the read failed: release, stop */
          :: up && st_rev -> ok = false                     /* revoked: release, stop */
          :: up && !st_rev && st_at == now ->               /* another instance refreshed: adopt it, stop */
             m_at[i] = st_at; m_tok[i] = st_tok; ok = false;
             printf("MSC: instance %d finds refreshed(S) = T%d fresh in the store and adopts it\n", i, st_tok)
          :: up && !st_rev && st_at != now -> tok = st_tok  /* due: (3) the store's token (T0 if none) */
          fi
        }
        if
        :: ok ->
#ifdef BUG_COOKIE_TOKEN
           tok = 0;                                         /* always the cookie's T0 */
#endif
#ifdef BUG_TOKEN_FROM_MIRROR
           tok = m_tok[i];                                  /* the (lagging) mirror's token */
#endif
           /* (4) the provider: rotation with reuse detection; the request or the answer may be lost */
           atomic {
             printf("MSC: instance %d sends T%d\n", i, tok);
             a_no_token_sent_twice = !consumed[tok];           /* asserted at the end of the step */
             if
             :: losses < MAX_LOSSES -> losses++; res = TIMEOUT;
                printf("MSC: the request is lost (the provider saw nothing)\n")
             :: true ->
                if
                :: p_user_rev || p_fam_rev -> res = INVALID
                :: else ->
                   if
                   :: tok == p_cur ->
                      p_cur++; newtok = p_cur; res = OK;
                      model_bound_ok = (p_cur < MAXTOK); assert(model_bound_ok)
                   :: else ->
                      printf("MSC: reuse of T%d detected: the provider revokes the token family\n", tok);
                      p_fam_rev = true; res = INVALID;
                      c_no_live_session_lost = LOSS_EXCEPTION;
                      CHECK(c_no_live_session_lost)
                   fi
                fi;
                if
                :: losses < MAX_LOSSES -> losses++;
                   if
                   :: res == OK -> lost_rotation = true;
                      printf("MSC: the provider rotated to T%d but the answer is lost\n", newtok)
                   :: else -> printf("MSC: the answer (invalid_grant) is lost\n")
                   fi;
                   res = TIMEOUT; newtok = 0
                :: true -> consumed[tok] = true; unwritten = true
                fi
             fi;
             CHECK(a_no_token_sent_twice)
           }
           if
           :: res == OK ->
              /* (5) success: put refreshed(S), update own mirror, release */
              printf("MSC: instance %d got T%d\n", i, newtok);
#ifdef BUG_RELEASE_BEFORE_WRITE
              RELEASE(i);
#endif
              CRASH_POINT(i)
              atomic {
                m_at[i] = now; m_tok[i] = newtok;
                if
                :: up -> st_tok = newtok; st_at = now; unwritten = false;
#ifdef BUG_REFRESH_RESURRECTS
                   st_rev = false;                          /* one record: writes back the revoked flag read in (2) */
#endif
                   printf("MSC: instance %d writes refreshed(S) = T%d\n", i, newtok)
                :: else -> pend[i] = PEND_REFRESH; pend_tok[i] = newtok; pend_at[i] = now;
                   printf("MSC: the store is down: instance %d keeps T%d and the lock\n", i, newtok)
                fi
              }
              if
              :: pend[i] == PEND_REFRESH ->
#ifdef BUG_DROP_UNWRITTEN_TOKEN
                 pend[i] = NONE; pend_tok[i] = 0; pend_at[i] = 0; unwritten = false;
                 printf("MSC: instance %d drops the unwritten T%d\n", i, newtok)
#else
                 if
                 :: atomic { up -> st_tok = pend_tok[i]; st_at = pend_at[i]; unwritten = false;
                             pend[i] = NONE; pend_tok[i] = 0; pend_at[i] = 0;
                             printf("MSC: instance %d writes refreshed(S) = T%d after the outage\n", i, newtok) }
                 :: CRASH_WAIT(i)
                 fi
#endif
              :: else -> skip
              fi
           :: res == INVALID ->
              /* invalid_grant: put revokedSession(S), release */
              printf("MSC: instance %d got invalid_grant\n", i);
              CRASH_POINT(i)
              atomic {
                knows_dead[i] = true;
#ifndef BUG_REVOKE_WRITE_DROPPED
                m_rev[i] = true;                            /* R1 */
#endif
                if
                :: up -> st_rev = true; unwritten = false;
                   c_no_live_session_lost = p_user_rev || logout_done || LOSS_EXCEPTION;
                   CHECK(c_no_live_session_lost)
                :: else -> pend[i] = PEND_REVOKE
                fi
              }
              if
              :: pend[i] == PEND_REVOKE ->
#ifdef BUG_REVOKE_WRITE_DROPPED
                 pend[i] = NONE; unwritten = false;
                 printf("MSC: the store is down: the revokedSession(S) put fails and is dropped\n")
#else
                 if
                 :: atomic { up -> st_rev = true; pend[i] = NONE; unwritten = false;  /* R1 */
                             c_no_live_session_lost = p_user_rev || logout_done || LOSS_EXCEPTION;
                             CHECK(c_no_live_session_lost) }
                 :: CRASH_WAIT(i)
                 fi
#endif
              :: else -> skip
              fi
           :: res == TIMEOUT -> printf("MSC: instance %d: no answer, retry on a later check\n", i)
           fi
        :: else -> skip
        fi;
        RELEASE(i)
     :: else -> skip
     fi;
next:
     tok = 0; newtok = 0; ok = false; unwritten = false; res = 0
  od
}

proctype BackChannelLogout() {
  byte k;
  if
  :: k = 1
  :: k = 2
  :: skip -> goto done                                      /* no logout in this run */
  fi;
  atomic { up -> st_rev = true; logout_done = true; m_rev[k] = true; synced_rev[k] = true;
           printf("MSC: logout at instance %d: revokedSession(S) written\n", k) }
done:
  skip
}

proctype ProviderRevokesUser() {
  if
  :: p_user_rev = true; printf("MSC: the user is revoked at the provider\n")
  :: skip
  fi
}

proctype StoreOutages() {
end:
  do
  :: atomic { up && outages < MAX_OUTAGES -> up = false; outages++; printf("MSC: the store goes down\n") }
  :: atomic { !up -> up = true; printf("MSC: the store is back\n");
#ifdef STORE_LOSES_DATA
       if
       :: st_tok = 0; st_at = 0; st_rev = false; lock = 0; printf("MSC: ... empty\n")
       :: skip
       fi
#endif
     }
  od
}

proctype LockTTL() {
end:
  do
#ifdef LOCK_EXPIRES_WHILE_HELD
  :: atomic { lock != 0 -> lock = 0; printf("MSC: refreshLock(S) expires\n") }
#else
  :: atomic { lock != 0 && !holding[lock] -> lock = 0; printf("MSC: an abandoned refreshLock(S) expires\n") }
#endif
  od
}

proctype Clock() {
end:
  do
  :: atomic { now < MAXT -> now++; printf("MSC: time passes: now = %d\n", now) }
  od
}

init {
  atomic {
    run Checker(1); run Checker(2);
    run Sync(1); run Sync(2);
    run Refresher(1); run Refresher(2);
#ifndef NO_REVOCATIONS
    run BackChannelLogout(); run ProviderRevokesUser();
#endif
    run StoreOutages(); run Clock();
#ifndef BUG_LOCK_NEVER_EXPIRES
    run LockTTL()
#endif
  }
}

/* (c) as a global invariant: whenever the session is dead, it is for an allowed reason. */
ltl no_loss { [] ((p_fam_rev || st_rev) -> (p_user_rev || logout_done || lost_rotation)) }

/* Once the faults stop (the budgets are finite) the session is refreshed everywhere, or it is dead. */
ltl progress { <> [] (p_fam_rev || st_rev || p_user_rev || lost_rotation ||
                      (st_at == now && m_at[1] == now && m_at[2] == now && !m_rev[1] && !m_rev[2])) }
