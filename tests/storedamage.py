#!/usr/bin/env python3
# Damages a BITS job store in one of 50 ways, for tests/damagestore.sh.
#
#     storedamage.py CASE STORE SEED LIST     damages STORE by case CASE
#     storedamage.py --all INTACT OUT SEED LIST
#                                             every case: OUT/N, a copy of the
#                                             store INTACT damaged by case N,
#                                             and OUT/N.txt, what it printed
#     storedamage.py --count                  prints how many cases there are
#
# STORE is the prefix's C:\ProgramData\Microsoft\Network\Downloader holding
# an intact store, made by "faultclient populate" (tests/faultclient.c),
# whose job ids are in LIST in the order it made them: job i is of kind
# i % 5 (0 transferred, 1 and 4 suspended, 2 suspended with ranges on its
# first file, 3 in ERROR), with 1 + i % 3 files.  SEED makes the random
# choices (offsets, bytes) repeatable.
#
# A case damages one file of the store, or adds one: the generic cases
# (truncation, flipped bytes, random contents ...) whatever file they
# pick, job files and any other file the store keeps (the journal) alike,
# so that they keep working whatever the store's format; the others edit
# one line of a job's record ("key value ..." lines, see
# dlls/qmgr/jobrecord.c) and report "not applicable" when the line is not
# there.  A record in an entry with a length and a CRC (store.c) gets a
# header that fits the edited record, so that the reader's checks of the
# values are what is tested, not the CRC.
#
# Prints one line: the id of the job whose file was damaged ("-" when no
# job's own file was: every job must then survive), a space, and what was
# done.
#
# Copyright 2026 the qmgr project authors
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# This library is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
# Lesser General Public License for more details.
#
# You should have received a copy of the GNU Lesser General Public
# License along with this library; if not, write to the Free Software
# Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA

import os
import random
import re
import shutil
import sys
import uuid
import zlib

U64 = 2 ** 64
# The header of an entry: "qmgr-entry SEQUENCE {GUID} LENGTH CRC32" (store.c).
ENTRY_MAGIC = b'qmgr-entry '


class NotApplicable(Exception):
    pass


class Store:
    def __init__(self, path, ids, rng):
        self.path = path
        self.ids = ids
        self.rng = rng

    def files(self):
        return sorted(f for f in os.listdir(self.path) if os.path.isfile(os.path.join(self.path, f)))

    def job_file(self, guid):
        return os.path.join(self.path, guid + '.job')

    def read(self, name):
        with open(os.path.join(self.path, name), 'rb') as f:
            return f.read()

    def write(self, name, data):
        with open(os.path.join(self.path, name), 'wb') as f:
            f.write(data)

    def read_record(self, name):
        """A job file's record, and the header of the entry around it (None
        in files of the first version, which hold the record alone)."""
        data = self.read(name)
        if data.startswith(ENTRY_MAGIC) and b'\n' in data:
            header, record = data.split(b'\n', 1)
            return header, record
        return None, data

    def write_record(self, name, header, record):
        """Writes the record back, in an entry whose length and CRC fit it:
        the reader's own checks of each value are what a case tests, not the
        CRC that would refuse the edited record first."""
        if header is not None:
            fields = header.split(b' ')
            fields[3] = str(len(record)).encode()
            fields[4] = b'%08x' % zlib.crc32(record)
            record = b' '.join(fields) + b'\n' + record
        self.write(name, record)

    def job_of_kind(self, kind):
        """The first job of that kind (see the top) that has a file."""
        for i, guid in enumerate(self.ids):
            if i % 5 == kind and os.path.exists(self.job_file(guid)):
                return guid
        raise NotApplicable('no job of kind %d' % kind)


def guid_of(name):
    m = re.match(r'^(\{[0-9A-Fa-f-]{36}\})\.job$', name)
    return m.group(1).upper() if m else '-'


# --- generic damage: any file of the store --------------------------------

def generic(change):
    """A case that changes the bytes of one file the seed picks: a job's
    file mostly, every third case another file of the store if there is
    one (a journal)."""
    def case(store, number):
        files = store.files()
        if not files:
            raise NotApplicable('an empty store')
        others = [f for f in files if not f.endswith('.job')]
        if others and number % 3 == 0:
            name = others[number // 3 % len(others)]
        else:
            name = store.rng.choice([f for f in files if f.endswith('.job')] or files)
        data = store.read(name)
        store.write(name, change(data, store.rng))
        return guid_of(name), name
    return case


def truncate_random(data, rng):
    return data[:rng.randrange(1, len(data))] if len(data) > 1 else b''


def flip(count):
    def change(data, rng):
        data = bytearray(data)
        for _ in range(count):
            if data:
                data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        return bytes(data)
    return change


def flip_bit_in_first_line(data, rng):
    end = data.find(b'\n')
    end = len(data) if end < 0 else end
    data = bytearray(data)
    if end:
        data[rng.randrange(end)] ^= 1 << rng.randrange(8)
    return bytes(data)


def random_bytes(length):
    return lambda data, rng: bytes(rng.randrange(256) for _ in range(length if length else len(data)))


def random_lines(data, rng):
    words = ['qmgr-job', 'id', 'state', 'file', 'range', 'error', 'end', 'owner', '-', '"', '%', '0', '1',
             str(U64), '"C:\\x"', '{00000000-0000-0000-0000-000000000000}']
    return ''.join(' '.join(rng.choice(words) for _ in range(rng.randrange(1, 8))) + '\n'
                   for _ in range(200)).encode()


def lines_of(data):
    return data.split(b'\n')


def shuffle_lines(data, rng):
    lines = lines_of(data)
    rng.shuffle(lines)
    return b'\n'.join(lines)


def sparse_100mib(store, number):
    guid = store.rng.choice(store.ids)
    with open(store.job_file(guid), 'r+b') as f:
        f.truncate(100 * 1024 * 1024)
    return guid, guid + '.job'


# --- a line of a job's record ---------------------------------------------

TOKEN = re.compile(rb'"[^"]*"|\S+')


def edit(kind, key, change, guid=None):
    """A case that rewrites the first line starting with key in the record
    of the first job of that kind: change(tokens) returns the new tokens
    (the key first) or a list of lines."""
    def case(store, number):
        target = guid or store.job_of_kind(kind)
        name = target + '.job'
        header, record = store.read_record(name)
        lines = lines_of(record)
        for i, line in enumerate(lines):
            tokens = TOKEN.findall(line)
            if tokens and tokens[0] == key:
                new = change(tokens, store)
                if new and isinstance(new[0], list):
                    lines[i:i + 1] = [b' '.join(t) for t in new]
                else:
                    lines[i] = b' '.join(new)
                store.write_record(name, header, b'\n'.join(lines))
                return target, name
        raise NotApplicable('no "%s" line' % key.decode())
    return case


def set_token(index, value):
    def change(tokens, store):
        if len(tokens) <= index:
            raise NotApplicable('a short line')
        tokens[index] = value if isinstance(value, bytes) else value(tokens[index])
        return tokens
    return change


def long_path(length):
    return b'"C:\\users\\Public\\qmgr_faults\\' + b'a' * length + b'.bin"'


def queued_with_long_local(store, number):
    """A suspended job made QUEUED, with a 5,000-character local name: the
    service starts its transfer at once."""
    guid = store.job_of_kind(1)
    edit(1, b'state', set_token(1, b'0'), guid)(store, number)
    return edit(1, b'file', set_token(2, long_path(5000)), guid)(store, number)


def ranges_10000(tokens, store):
    return [[b'range', str(i * 10).encode(), b'5'] for i in range(10000)]


def id_of_another(store, number):
    """Job B's file says it is job A."""
    a, b = store.ids[1], store.ids[4]
    edit(4, b'id', set_token(1, ('"%s"' % a).encode()), b)(store, number)
    return b, b + '.job'


def copy_under(name_of):
    def case(store, number):
        guid = store.job_of_kind(1)
        name = name_of(guid, store)
        store.write(name, store.read(guid + '.job'))
        return guid, name
    return case


def new_file(name_of, data):
    def case(store, number):
        guid = store.job_of_kind(1)
        name = name_of(guid, store)
        store.write(name, data(store.read(guid + '.job'), store.rng))
        return '-', name
    return case


def random_job_name(guid, store):
    return '{%s}.job' % str(uuid.UUID(int=store.rng.getrandbits(128))).upper()


def directory_named_like_a_job(store, number):
    name = random_job_name(None, store)
    os.mkdir(os.path.join(store.path, name))
    return '-', name


CASES = [
    ('truncated at a random offset', generic(truncate_random)),
    ('truncated at a random offset', generic(truncate_random)),
    ('truncated at a random offset', generic(truncate_random)),
    ('truncated at a random offset', generic(truncate_random)),
    ('truncated to its first byte', generic(lambda d, r: d[:1])),
    ('truncated by its last byte', generic(lambda d, r: d[:-1])),
    ('one byte flipped', generic(flip(1))),
    ('2 bytes flipped', generic(flip(2))),
    ('8 bytes flipped', generic(flip(8))),
    ('64 bytes flipped', generic(flip(64))),
    ('one bit flipped in the first line', generic(flip_bit_in_first_line)),
    ('random bytes, as many as it had', generic(random_bytes(0))),
    ('16 random bytes', generic(random_bytes(16))),
    ('64 KiB of random bytes', generic(random_bytes(65536))),
    ('200 lines of random words of the format', generic(random_lines)),
    ('empty', generic(lambda d, r: b'')),
    ('zeros, as many bytes as it had', generic(lambda d, r: bytes(len(d)))),
    ('one newline', generic(lambda d, r: b'\n')),
    ('CRLF line ends', generic(lambda d, r: d.replace(b'\n', b'\r\n'))),
    ('lines shuffled', generic(shuffle_lines)),
    ('every line twice', generic(lambda d, r: b''.join(l + b'\n' + l + b'\n' for l in lines_of(d)))),
    ('its last line ("end") removed', generic(lambda d, r: d[:d.rstrip(b'\n').rfind(b'\n') + 1])),
    ('its first line removed', generic(lambda d, r: d[d.find(b'\n') + 1:])),
    ('grown to 100 MiB (sparse zeros)', sparse_100mib),
    ('an unknown version in the first line', edit(0, b'qmgr-job', set_token(1, b'99'))),
    ('a version of 2^64 in the first line', edit(0, b'qmgr-job', set_token(1, str(U64).encode()))),
    ('a queued job with a 5,000-character local name', queued_with_long_local),
    ('a suspended job with a 5,000-character local name', edit(4, b'file', set_token(2, long_path(5000)))),
    ('a 5,000-character temporary name', edit(4, b'file', set_token(3, long_path(5000)))),
    ('a 5,000-character remote name',
     edit(1, b'file', set_token(1, b'"http://127.0.0.1/' + b'r' * 5000 + b'"'))),
    ('a 100,000-character display name', edit(1, b'name', set_token(1, b'"' + b'n' * 100000 + b'"'))),
    ('a 100,000-character description', edit(4, b'description', set_token(1, b'"' + b'd' * 100000 + b'"'))),
    ('a 20-digit priority', edit(1, b'priority', set_token(1, b'99999999999999999999'))),
    ('a state of 2^64', edit(4, b'state', set_token(1, str(U64).encode()))),
    ('times of 2^64 - 1', edit(0, b'times', lambda t, s: [t[0]] + [str(U64 - 1).encode()] * 3)),
    ('a file of 1,000 bytes with 2^64 - 1 transferred',
     edit(0, b'file', lambda t, s: t[:-2] + [b'1000', str(U64 - 1).encode()])),
    ('a range at 2^64', edit(2, b'range', set_token(1, str(U64).encode()))),
    ('a range of 2^64 - 1 bytes at 2^64 - 1',
     edit(2, b'range', lambda t, s: [t[0], str(U64 - 1).encode(), str(U64 - 1).encode()])),
    ('10,000 ranges', edit(2, b'range', ranges_10000)),
    ('an error naming file 99', edit(3, b'error', set_token(3, b'99'))),
    ('an error with context 2^32 and code 0', edit(3, b'error', lambda t, s: [t[0], b'0', str(2 ** 32).encode()] + t[3:])),
    ('an owner that is no SID', edit(1, b'owner', set_token(1, b'"S-1-zz"'))),
    ('an id that is GUID_NULL', edit(4, b'id', set_token(1, b'"{00000000-0000-0000-0000-000000000000}"'))),
    ("a job's file saying it is another job", id_of_another),
    ('a copy of a job file under a second name, with the same id', copy_under(random_job_name)),
    ('a copy of a job file under its name in lower case', copy_under(lambda g, s: g.lower() + '.job')),
    ('a string without its closing quote', edit(1, b'name', set_token(1, b'"no end'))),
    ('a string with broken escapes', edit(1, b'description', set_token(1, b'"%zz%4%"'))),
    ('a cut copy beside a job file ({GUID}.new, a write cut short)',
     new_file(lambda g, s: g + '.new', lambda d, r: d[:len(d) // 2])),
    ('a directory named like a job file', directory_named_like_a_job),
]


def damage(number, path, seed, ids):
    """Damages the store at path by case number; returns what it did."""
    what, case = CASES[number - 1]
    store = Store(path, ids, random.Random(seed * 1000 + number))
    try:
        guid, name = case(store, number)
        return '%s %s (%s)' % (guid, what, name)
    except NotApplicable as e:
        return '- %s: not applicable, %s' % (what, e)


def read_ids(list_path):
    with open(list_path) as f:
        return [line.strip().upper() for line in f if line.strip()]


def main():
    if sys.argv[1:] == ['--count']:
        print(len(CASES))
        return 0
    if sys.argv[1] == '--all':
        intact, out, seed, ids = sys.argv[2], sys.argv[3], int(sys.argv[4]), read_ids(sys.argv[5])
        os.makedirs(out, exist_ok=True)
        for number in range(1, len(CASES) + 1):
            path = os.path.join(out, str(number))
            shutil.rmtree(path, ignore_errors=True)
            shutil.copytree(intact, path)
            with open(path + '.txt', 'w') as f:
                f.write(damage(number, path, seed, ids) + '\n')
        return 0
    print(damage(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), read_ids(sys.argv[4])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
