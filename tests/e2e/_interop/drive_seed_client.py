"""Drives the original project's client (udp_client.py, kept unchanged) for the e2e tests.

It imports the client's UDPClient class, answers its input() prompts, and turns what the client
prints into machine-readable lines on stdout, one per event:

    @@ ready <udp_port> <tcp_port>      the client is up
    @@ udp <message>                     the client received a UDP message (by either of its readers)
    @@ tcp <what one recv returned>      newlines shown as \\n: one message per recv, or not
    @@ winner | @@ sold | @@ inform_req | @@ inform_res_sent
    @@ shipping <what the client printed after "Ship item to ">
    @@ cancel <reason> | @@ closed | @@ error <text>
    @@ done <command>                    a command from stdin returned

Everything the client prints goes to stderr as it is. Commands, one per line on stdin:
register | list NAME DESC PRICE DURATION | subscribe NAME | bid NAME AMOUNT | quit
"""

import argparse
import builtins
import os
import sys
import threading

sys.dont_write_bytecode = True  # never write a __pycache__ beside the original client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DEFAULT_CLIENT_DIR = os.path.join(ROOT, "..", "shared", "interop", "seed-client")

_lock = threading.Lock()
_real_print = builtins.print


def emit(line):
    with _lock:
        sys.__stdout__.write(f"@@ {line}\n")
        sys.__stdout__.flush()


def one_line(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def scan(text):
    """Turns one print() of the client into events."""
    stripped = text.strip()
    for prefix in ("Received from server: ", "Received: "):
        if stripped.startswith(prefix):
            emit(f"udp {one_line(stripped[len(prefix):])}")
            return
    if text.lstrip("\n").startswith("Received TCP message: "):
        emit(f"tcp {one_line(text.lstrip(chr(10))[len('Received TCP message: '):])}")
    elif stripped.startswith("You won the auction for"):
        emit("winner")
    elif stripped.startswith("Your item") and " was sold to " in stripped:
        emit("sold")
    elif stripped == "PURCHASE INFORMATION REQUIRED":
        emit("inform_req")
    elif stripped == "Sent payment and address info to server.":
        emit("inform_res_sent")
    elif stripped.startswith("Ship item to "):
        emit(f"shipping {one_line(stripped[len('Ship item to '):])}")
    elif stripped.startswith("Transaction cancelled:"):
        emit(f"cancel {one_line(stripped[len('Transaction cancelled:'):].strip())}")
    elif stripped == "Connection closed by server":
        emit("closed")
    elif stripped.startswith(("Error ", "Unknown TCP message type", "No valid message parts")):
        emit(f"error {one_line(stripped)}")


def patched_print(*values, sep=" ", end="\n", file=None, flush=False):
    text = sep.join(str(value) for value in values)
    with _lock:
        sys.__stderr__.write(text + end)
        sys.__stderr__.flush()
    scan(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-dir", default=DEFAULT_CLIENT_DIR)
    parser.add_argument("--server-host", default="127.0.0.1")
    parser.add_argument("--server-udp-port", type=int, required=True)
    parser.add_argument("--server-tcp-port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", choices=["buyer", "seller"], required=True)
    parser.add_argument("--full-name", required=True)
    parser.add_argument("--card", required=True)
    parser.add_argument("--expiry", required=True)
    parser.add_argument("--address", required=True)
    args = parser.parse_args()

    client_file = os.path.join(args.client_dir, "udp_client.py")
    if not os.path.isfile(client_file):
        emit(f"error the original client is missing: {client_file}")
        sys.exit(2)
    sys.path.insert(0, os.path.abspath(args.client_dir))
    from udp_client import UDPClient  # noqa: E402  (the original, unchanged)

    answers = []  # the menu's answers for the command being run
    payment = {
        "full name": args.full_name,
        "credit card number": args.card,
        "expiry": args.expiry,
        "shipping address": args.address,
    }

    def patched_input(prompt=""):
        with _lock:
            sys.__stderr__.write(str(prompt) + "\n")
            sys.__stderr__.flush()
        for key, value in payment.items():
            if key in prompt:
                return value
        if answers:
            return answers.pop(0)
        emit(f"error unexpected prompt {one_line(str(prompt))}")
        raise EOFError(prompt)

    builtins.print = patched_print
    builtins.input = patched_input

    client = None
    for _ in range(20):  # its UDP port is random in 6000-7000 and may be taken
        try:
            client = UDPClient(args.server_host, args.server_udp_port, args.server_tcp_port)
            break
        except OSError as error:
            patched_print(f"driver: cannot start the client: {error}")
    if client is None:
        emit("error the client could not bind a UDP port")
        sys.exit(2)
    client.client_name = args.name
    client.role = args.role
    emit(f"ready {client.client_udp_port} {client.client_tcp_port}")

    for raw in sys.stdin:
        words = raw.split()
        if not words:
            continue
        command = words[0]
        if command == "quit":
            break
        if command == "register":
            client.register()
        elif command == "list":
            answers[:] = [words[1], words[2], words[3], words[4]]
            client.auction_item()
        elif command == "subscribe":
            answers[:] = [words[1]]
            client.subscribe()
        elif command == "bid":
            answers[:] = [words[1], words[2]]
            client.bid_item()
        else:
            emit(f"error unknown command {command}")
            continue
        emit(f"done {command}")
    client.close()


if __name__ == "__main__":
    main()
