"""Micro-benchmark: llmspell.wire vs jupyter_client.session.Session, same messages, one run.

    python benchmarks/wire_micro.py [--n 5000] [--repeat 7] [--scheme hmac-sha256]

For each operation, prints microseconds per message (best of --repeat passes over
--n distinct messages; the two libraries' passes interleaved so machine load hits
both alike) and the speed-up, jupyter_client time / llmspell time.
"""

import argparse
import time
from hmac import compare_digest

from jupyter_client.session import Session
from llmspell.wire import Message, ReplayGuard, Signer, new_header, new_key, parse, reply, serialize

CONTENT = {
    "code": "local t = {}\nfor i = 1, 10 do t[i] = i * i end\nprint(table.concat(t, ', '))\n",
    "silent": False,
    "store_history": True,
    "user_expressions": {},
    "allow_stdin": True,
    "stop_on_error": True,
}
REPLY = {"status": "ok", "execution_count": 1, "user_expressions": {}}


def one_pass_us(make_fn, items) -> float:
    """Microseconds per item of ``make_fn()(item)``; a new fn per pass (fresh replay state)."""
    fn = make_fn()
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def compare(ours, theirs, items, repeat) -> tuple[float, float]:
    """Best-of-``repeat`` times of both makers, their passes interleaved."""
    times = [(one_pass_us(ours, items), one_pass_us(theirs, items)) for _ in range(repeat)]
    return min(t[0] for t in times), min(t[1] for t in times)


def operations(key: bytes, scheme: str, n: int):
    """(name, our fn maker, their fn maker, items) for each measured operation."""
    signer = Signer(key, scheme)
    session = Session(key=key, signature_scheme=scheme, username="bench")

    def fresh_session() -> Session:  # an empty digest history, like a fresh ReplayGuard
        return Session(key=key, signature_scheme=scheme)

    requests = [  # distinct client requests as a ROUTER receives them
        session.serialize(session.msg("execute_request", dict(CONTENT, n=i)), ident=[b"client"])
        for i in range(n)
    ]
    signed = [(frames[2], frames[3:7]) for frames in requests]
    ours_msg = Message(new_header("execute_request", "bench"), CONTENT, identities=[b"client"])
    their_msg = session.msg("execute_request", CONTENT)
    our_parsed = [parse(frames, signer) for frames in requests]
    their_parsed = [session.deserialize(frames[2:]) for frames in requests]

    def our_parse(lazy):
        def make():
            guard = ReplayGuard()
            return lambda frames: parse(frames, signer, guard, lazy=lazy)

        return make

    def their_parse(content):
        def make():
            s = fresh_session()
            return lambda frames: s.deserialize(s.feed_identities(frames)[1], content=content)

        return make

    return [
        ("sign", lambda: signer.sign, lambda: session.sign, [s[1] for s in signed]),
        (
            "verify",
            lambda: lambda s: signer.verify(*s),
            lambda: lambda s: compare_digest(s[0], session.sign(s[1])),
            signed,
        ),
        ("parse (verify+replay+decode)", our_parse(False), their_parse(True), requests),
        ("parse lazy (relay: header only)", our_parse(True), their_parse(False), requests),
        (
            "serialize (encode+sign)",
            lambda: lambda _: serialize(ours_msg, signer),
            lambda: lambda _: session.serialize(their_msg, ident=[b"client"]),
            range(n),
        ),
        (
            "reply (new header+serialize)",
            lambda: lambda i: serialize(reply(our_parsed[i], "execute_reply", REPLY, "k"), signer),
            lambda: (
                lambda i: session.serialize(
                    session.msg("execute_reply", REPLY, parent=their_parsed[i]), ident=[b"client"]
                )
            ),
            range(n),
        ),
    ], sum(map(len, requests[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scheme", default="hmac-sha256")
    args = parser.parse_args()
    ops, size = operations(new_key().encode(), args.scheme, args.n)
    print(f"{args.n} messages x {args.repeat} passes, {args.scheme}, ~{size} bytes each")
    print(f"{'operation':34} {'llmspell µs':>12} {'jupyter µs':>12} {'speed-up':>9}")
    for name, ours, theirs, items in ops:
        mine, jupyter = compare(ours, theirs, items, args.repeat)
        print(f"{name:34} {mine:12.2f} {jupyter:12.2f} {jupyter / mine:8.1f}x")


if __name__ == "__main__":
    main()
