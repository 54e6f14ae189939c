"""llmspell.daemon: standalone daemon plumbing, stdlib only (import it before zmq/gevent/lupa).

detach   double fork, log sink, readiness pipe      pidfile  flock-guarded PID file
signals  signals as bytes on a pollable fd          shutdown phased, bounded shutdown
dump     SIGUSR2 state dumps
"""
