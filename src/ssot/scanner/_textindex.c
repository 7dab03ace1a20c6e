/* The candidate pass's per-line loop (ssot.scanner.textual.index_text) in C.
 *
 * The same definitions, lines and hashes as the pure-Python loop, which stays the
 * reference (tests/scanner/test_text_native.py holds the two equal on real trees and on
 * generated text); this one reads a file in one pass and returns the columns a TextIndex
 * is made from, without a Python object per line.  Like coverage.py's CTracer it is
 * optional: without a compiler ssot installs and runs the Python loop.
 *
 * index_columns(data: bytes) -> (lines, line, end, indent, parent, names, is_class,
 *                                counts, windows, size, exact)
 * where every array column is given as bytes (native uint32 / int32 / uint64 / int64),
 * names as one str joined by "\n".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_LINE_BYTES 6

/* ---- growable buffers ---------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap, item;
} Buf;

static int buf_grow(Buf *b, size_t more) {
    if (b->n + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->n + more)
        cap *= 2;
    char *p = realloc(b->p, cap * b->item);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

#define BUF(type) {NULL, 0, 0, sizeof(type)}
#define AT(b, type, i) (((type *)(b).p)[i])
#define PUSH(b, type, v) (buf_grow(&(b), 1) ? -1 : (AT(b, type, (b).n++) = (v), 0))

/* ---- CRC-32 (zlib's, as zlib.crc32 gives it) ------------------------------ */

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

/* the CRC of s continuing ``crc`` (0: of s alone), as zlib.crc32(s, crc) */
static uint32_t crc32_more(uint32_t crc, const unsigned char *s, size_t n) {
    uint32_t c = crc ^ 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ s[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- bytes as Python's bytes regexes see them ----------------------------- */

/* \s of a bytes pattern, and what bytes.strip() takes away */
static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c';
}

/* \w of a bytes pattern */
static inline int is_word(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline int is_digit_(unsigned char c) { return (c >= '0' && c <= '9') || c == '_'; }

/* The end of a string opened at o[i] by ``width`` quotes q (1 or 3) and closed on the line by as many,
 * escapes and all, or 0: "[^"\\\n]*(?:\\.[^"\\\n]*)*" and """(?:[^"\\\n]|\\.|"(?!""))*""" ('.' takes no
 * newline, and ``o`` is one line: a backslash ending it escapes nothing). */
static size_t string_end(const unsigned char *o, size_t i, size_t n, unsigned char q, size_t width) {
    for (size_t j = i + width; j < n; j++) {
        unsigned char ch = o[j];
        if (ch == '\\') {
            if (++j >= n)
                return 0;
        } else if (ch == q && (width == 1 || (j + 2 < n && o[j + 1] == q && o[j + 2] == q)))
            return j + width;
    }
    return 0;
}

/* One line with its literals blanked, as _NUMBER.sub(b"1", _STRING.sub(b'""', line)) gives it (tripled 0),
 * or _NUMBER.sub(b"1", _TRIPLED.sub(_blank_tripled, line)) (tripled 1): a string becomes two quotes, a
 * number a 1; with tripled, a triple-quoted string closed on the line becomes two quotes and the quotes of
 * one left open stay as they are.  ``out`` holds at least n bytes. */
static size_t blank_line(const unsigned char *o, size_t n, unsigned char *out, int tripled) {
    size_t i = 0, k = 0;
    unsigned char prev = '\n'; /* the character before, as the string pass left it (none: no word) */
    while (i < n) {
        unsigned char ch = o[i];
        if (ch == '"' || ch == '\'') {
            if (tripled && i + 2 < n && o[i + 1] == ch && o[i + 2] == ch) {
                size_t e = string_end(o, i, n, ch, 3);
                if (e) {
                    out[k++] = '"';
                    out[k++] = '"';
                    i = e;
                } else { /* the quotes of a string left open: kept */
                    out[k++] = ch;
                    out[k++] = ch;
                    out[k++] = ch;
                    i += 3;
                }
                prev = ch;
                continue;
            }
            size_t e = string_end(o, i, n, ch, 1);
            if (e) {
                out[k++] = '"';
                out[k++] = '"';
                prev = '"';
                i = e;
            } else {
                out[k++] = ch;
                prev = ch;
                i++;
            }
            continue;
        }
        if (ch >= '0' && ch <= '9' && !(is_word(prev) || prev == '.')) {
            /* [0-9](?<![\w.][0-9])[0-9_]*(?:\.[0-9_]+)?(?![\w.]) */
            size_t j = i + 1;
            while (j < n && is_digit_(o[j]))
                j++;
            if (j + 1 < n && o[j] == '.' && is_digit_(o[j + 1])) {
                j += 2;
                while (j < n && is_digit_(o[j]))
                    j++;
            }
            if (j >= n || !(is_word(o[j]) || o[j] == '.')) {
                out[k++] = '1';
                prev = o[j - 1];
                i = j;
                continue;
            }
        }
        out[k++] = ch;
        prev = ch;
        i++;
    }
    return k;
}

static inline int starts(const unsigned char *s, size_t n, const char *w) {
    size_t m = strlen(w);
    return n >= m && memcmp(s, w, m) == 0;
}

static inline int heads(const unsigned char *s, size_t n) {
    return starts(s, n, "def ") || starts(s, n, "class ") || starts(s, n, "async def ") ||
           starts(s, n, "async  def ");
}

static inline int closer(unsigned char c) { return c == ')' || c == ']' || c == '}'; }

/* the first occurrence of the three bytes q in s, or -1 */
static Py_ssize_t find3(const unsigned char *s, size_t n, const unsigned char *q) {
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == q[0] && s[i + 1] == q[1] && s[i + 2] == q[2])
            return (Py_ssize_t)i;
    return -1;
}

/* non-overlapping occurrences, as bytes.count */
static size_t count3(const unsigned char *s, size_t n, const unsigned char *q) {
    size_t c = 0;
    for (size_t i = 0; i + 2 < n;) {
        if (s[i] == q[0] && s[i + 1] == q[1] && s[i + 2] == q[2]) {
            c++;
            i += 3;
        } else
            i++;
    }
    return c;
}

static const unsigned char Q2[] = "\"\"\"", Q1[] = "'''";

/* ---- the units ------------------------------------------------------------ */

typedef struct {
    uint32_t line, end, indent;
    int32_t parent;
    size_t name_at, name_len; /* in the names buffer */
    unsigned char is_class;
    int has_header;
    uint32_t header; /* the header's hash without its name */
    size_t decorated;   /* where its exact key starts in seq */
    uint64_t *windows;
    size_t nwindows;
    uint64_t size;
    Py_hash_t exact;
} Unit;

typedef struct {
    size_t unit, seq_at;
    uint64_t total_at;
    Buf own; /* uint32 hashes of its own lines */
} Opened;

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Close the innermost opened unit: its end, windows, size and exact key. */
static int close_unit(Buf *units, Opened *op, PyObject *seq, uint64_t total, uint32_t last) {
    Unit *u = &AT(*units, Unit, op->unit);
    u->end = last;
    size_t n = op->own.n;
    if (n > 1) {
        uint64_t *w = malloc((n - 1) * sizeof(uint64_t));
        if (w == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        uint32_t *own = (uint32_t *)op->own.p;
        for (size_t i = 0; i + 1 < n; i++)
            w[i] = (uint64_t)own[i] << 32 | own[i + 1];
        qsort(w, n - 1, sizeof(uint64_t), cmp_u64);
        size_t k = 0;
        for (size_t i = 0; i < n - 1; i++)
            if (k == 0 || w[k - 1] != w[i])
                w[k++] = w[i];
        u->windows = w;
        u->nwindows = k;
    }
    u->size = total - op->total_at;
    /* hash(tuple(seq[d:])) or hash((*seq[d:a], header, *seq[a + 1:])), as the Python loop takes it */
    Py_ssize_t len = PyList_GET_SIZE(seq), d = (Py_ssize_t)u->decorated, a = (Py_ssize_t)op->seq_at;
    PyObject *t = PyTuple_New(len - d);
    if (t == NULL)
        return -1;
    for (Py_ssize_t i = d; i < len; i++) {
        PyObject *x = PyList_GET_ITEM(seq, i);
        Py_INCREF(x);
        PyTuple_SET_ITEM(t, i - d, x);
    }
    if (u->has_header) {
        PyObject *h = PyLong_FromUnsignedLong(u->header);
        if (h == NULL) {
            Py_DECREF(t);
            return -1;
        }
        PyObject *old = PyTuple_GET_ITEM(t, a - d);
        PyTuple_SET_ITEM(t, a - d, h);
        Py_DECREF(old);
    }
    u->exact = PyObject_Hash(t);
    Py_DECREF(t);
    if (u->exact == -1 && PyErr_Occurred())
        return -1;
    free(op->own.p);
    op->own.p = NULL;
    return 0;
}

/* Close every opened unit at ``indent`` or deeper, innermost first (-1: every one); ``top`` becomes the
 * indent of the innermost left open (-1: none). */
static int close_through(Buf *units, Buf *opened, long indent, int *top, PyObject *seq, uint64_t total,
                         uint32_t last) {
    while (opened->n && (indent < 0 || indent <= *top)) {
        if (close_unit(units, &AT(*opened, Opened, opened->n - 1), seq, total, last))
            return -1;
        opened->n--;
        *top = opened->n ? (int)AT(*units, Unit, AT(*opened, Opened, opened->n - 1).unit).indent : -1;
    }
    return 0;
}

static PyObject *bytes_of(const void *p, size_t n) { return PyBytes_FromStringAndSize(p ? p : "", (Py_ssize_t)n); }

static PyObject *index_columns(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "index_columns() takes bytes");
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(arg);
    size_t size = (size_t)PyBytes_GET_SIZE(arg);
    int has_q3 = find3(data, size, Q2) != -1 || find3(data, size, Q1) != -1;

    Buf units = BUF(Unit), opened = BUF(Opened), names = BUF(char);
    PyObject *seq = PyList_New(0), *result = NULL;
    unsigned char *line = NULL, *line2 = NULL;
    size_t line_cap = 0;
    if (seq == NULL)
        return NULL;

    int top = -1;                /* the innermost opened unit's indent */
    const unsigned char *in_string = NULL;
    uint64_t total = 0;
    uint32_t last = 0, lineno = 0;
    size_t deco_at = 0;
    long deco_indent = -1;
    size_t at = 0;
    for (;;) {
        const unsigned char *o = data + at, *nl = memchr(o, '\n', size - at);
        size_t olen = nl ? (size_t)(nl - o) : size - at;
        lineno++;
        if (olen + 1 > line_cap) {
            line_cap = (olen + 1) * 2;
            free(line);
            free(line2);
            line = malloc(line_cap);
            line2 = malloc(line_cap);
            if (line == NULL || line2 == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
        size_t blen = blank_line(o, olen, line, 0);
        size_t b0 = 0, b1 = blen;
        while (b0 < b1 && is_space(line[b0]))
            b0++;
        while (b1 > b0 && is_space(line[b1 - 1]))
            b1--;
        if (b0 == b1)
            goto next;
        if (in_string != NULL) {
            if (count3(o, olen, in_string) % 2)
                in_string = NULL;
            goto next;
        }
        unsigned char c = line[b0];
        if (c == '#')
            goto next;
        {
            long indent = (long)b0;
            const unsigned char *s = line + b0;
            size_t n = b1 - b0;
            int tripled = has_q3 && (find3(o, olen, Q2) != -1 || find3(o, olen, Q1) != -1);
            if (!tripled) {
                const unsigned char *hash = memchr(s, '#', n);
                if (hash != NULL) { /* a trailing comment (strings are blanked by now): not code */
                    n = (size_t)(hash - s);
                    while (n > 0 && is_space(s[n - 1]))
                        n--;
                }
            } else {
                size_t t = blank_line(o, olen, line2, 1), t0 = 0;
                while (t0 < t && is_space(line2[t0]))
                    t0++;
                while (t > t0 && is_space(line2[t - 1]))
                    t--;
                s = line2 + t0;
                n = t - t0;
                Py_ssize_t i1 = find3(s, n, Q2), i2 = find3(s, n, Q1);
                const unsigned char *q = i1 != -1 && (i2 == -1 || i1 < i2) ? Q2 : Q1;
                if (count3(s, n, q) % 2)
                    in_string = q;
                if ((n >= 3 && memcmp(s, q, 3) == 0) || (n >= 4 && memcmp(s + 1, q, 3) == 0)) {
                    /* a docstring or a bare string: not code */
                    if (!closer(c) && close_through(&units, &opened, indent, &top, seq, total, last))
                        goto done;
                    last = lineno;
                    goto next;
                }
            }
            if (!closer(c) && close_through(&units, &opened, indent, &top, seq, total, last))
                goto done;
            int is_head = (c == 'd' || c == 'c' || c == 'a') && heads(s, n);
            if (indent <= deco_indent && c != '@' && !closer(c) && !is_head)
                deco_indent = -1; /* a statement ends the run of decorators */
            if (c == '@' && deco_indent != indent) {
                deco_at = (size_t)PyList_GET_SIZE(seq);
                deco_indent = indent;
            }
            uint32_t h = 0;
            if (n >= MIN_LINE_BYTES)
                h = crc32_more(0, s, n);
            if (is_head) {
                /* (?:async\s+)?(def|class)\s+(\w+) */
                size_t p = 0, ns = 0, ne = 0;
                int matched = 0, is_class = 0;
                if (starts(s, n, "async") && n > 5 && is_space(s[5])) {
                    p = 5;
                    while (p < n && is_space(s[p]))
                        p++;
                }
                if (starts(s + p, n - p, "def"))
                    p += 3;
                else if (starts(s + p, n - p, "class")) {
                    p += 5;
                    is_class = 1;
                } else
                    p = n + 1;
                if (p < n && is_space(s[p])) {
                    while (p < n && is_space(s[p]))
                        p++;
                    ns = p;
                    while (p < n && is_word(s[p]))
                        p++;
                    ne = p;
                    matched = ne > ns;
                }
                Unit u;
                memset(&u, 0, sizeof u);
                u.line = u.end = lineno;
                u.indent = (uint32_t)indent;
                u.parent = opened.n ? (int32_t)AT(opened, Opened, opened.n - 1).unit : -1;
                u.name_at = names.n;
                if (matched) {
                    if (buf_grow(&names, ne - ns))
                        goto done;
                    memcpy(names.p + names.n, s + ns, ne - ns);
                    names.n += ne - ns;
                } else if (PUSH(names, char, '?'))
                    goto done;
                u.name_len = names.n - u.name_at;
                u.is_class = (unsigned char)(matched && is_class);
                u.decorated = deco_indent == indent ? deco_at : (size_t)PyList_GET_SIZE(seq);
                deco_indent = -1;
                Opened op;
                op.unit = units.n;
                op.seq_at = (size_t)PyList_GET_SIZE(seq);
                op.total_at = total;
                op.own = (Buf)BUF(uint32_t);
                if (n >= MIN_LINE_BYTES) {
                    /* its exact key leaves its own name out; its windows keep it */
                    u.has_header = 1;
                    if (matched) {
                        uint32_t x = crc32_more(0, s, ns);
                        x = crc32_more(x, (const unsigned char *)"_", 1);
                        u.header = crc32_more(x, s + ne, n - ne);
                    } else
                        u.header = h;
                    if (PUSH(op.own, uint32_t, h))
                        goto done;
                }
                if (PUSH(units, Unit, u) || buf_grow(&opened, 1)) {
                    free(op.own.p);
                    goto done;
                }
                AT(opened, Opened, opened.n++) = op;
                top = (int)indent;
                if (n >= MIN_LINE_BYTES) {
                    PyObject *x = PyLong_FromUnsignedLong(h);
                    if (x == NULL || PyList_Append(seq, x)) {
                        Py_XDECREF(x);
                        goto done;
                    }
                    Py_DECREF(x);
                    total += n;
                }
            } else if (n >= MIN_LINE_BYTES) {
                PyObject *x = PyLong_FromUnsignedLong(h);
                if (x == NULL || PyList_Append(seq, x)) {
                    Py_XDECREF(x);
                    goto done;
                }
                Py_DECREF(x);
                total += n;
                if (opened.n && PUSH(AT(opened, Opened, opened.n - 1).own, uint32_t, h))
                    goto done;
            }
            last = lineno;
        }
    next:
        if (nl == NULL)
            break;
        at += olen + 1;
    }
    if (close_through(&units, &opened, -1, &top, seq, total, last))
        goto done;

    {   /* the columns */
        size_t k = units.n, nw = 0;
        for (size_t i = 0; i < k; i++)
            nw += AT(units, Unit, i).nwindows;
        uint32_t *c_line = malloc((k + 1) * 4), *c_end = malloc((k + 1) * 4), *c_indent = malloc((k + 1) * 4),
                 *c_counts = malloc((k + 1) * 4);
        int32_t *c_parent = malloc((k + 1) * 4);
        unsigned char *c_class = malloc(k + 1);
        uint64_t *c_windows = malloc((nw + 1) * 8), *c_size = malloc((k + 1) * 8);
        int64_t *c_exact = malloc((k + 1) * 8);
        char *c_names = malloc(names.n + k + 1);
        if (!c_line || !c_end || !c_indent || !c_counts || !c_parent || !c_class || !c_windows || !c_size ||
            !c_exact || !c_names) {
            PyErr_NoMemory();
        } else {
            size_t w = 0, m = 0;
            for (size_t i = 0; i < k; i++) {
                Unit *u = &AT(units, Unit, i);
                c_line[i] = u->line;
                c_end[i] = u->end;
                c_indent[i] = u->indent;
                c_parent[i] = u->parent;
                c_class[i] = u->is_class;
                c_counts[i] = (uint32_t)u->nwindows;
                if (u->nwindows)
                    memcpy(c_windows + w, u->windows, u->nwindows * 8);
                w += u->nwindows;
                c_size[i] = u->size;
                c_exact[i] = (int64_t)u->exact;
                if (i)
                    c_names[m++] = '\n';
                memcpy(c_names + m, names.p + u->name_at, u->name_len);
                m += u->name_len;
            }
            result = Py_BuildValue("(kNNNNNNNNNN)", (unsigned long)lineno, bytes_of(c_line, k * 4),
                                   bytes_of(c_end, k * 4), bytes_of(c_indent, k * 4), bytes_of(c_parent, k * 4),
                                   PyUnicode_DecodeASCII(c_names, (Py_ssize_t)m, "replace"),
                                   bytes_of(c_class, k), bytes_of(c_counts, k * 4), bytes_of(c_windows, nw * 8),
                                   bytes_of(c_size, k * 8), bytes_of(c_exact, k * 8));
        }
        free(c_line);
        free(c_end);
        free(c_indent);
        free(c_counts);
        free(c_parent);
        free(c_class);
        free(c_windows);
        free(c_size);
        free(c_exact);
        free(c_names);
    }

done:
    for (size_t i = 0; i < units.n; i++)
        free(AT(units, Unit, i).windows);
    for (size_t i = 0; i < opened.n; i++)
        free(AT(opened, Opened, i).own.p);
    free(units.p);
    free(opened.p);
    free(names.p);
    free(line);
    free(line2);
    Py_DECREF(seq);
    return result;
}


/* ---- the tree's window count (CandidateState._count_windows) --------------- */

typedef struct {
    uint64_t w;
    uint32_t part, unit;
} Occurrence;

static int cmp_occurrence(const void *a, const void *b) {
    uint64_t x = ((const Occurrence *)a)->w, y = ((const Occurrence *)b)->w;
    return x < y ? -1 : x > y;
}

/* count_windows(parts: list[tuple[int, counts, windows]]) -> (keys, values, shared)
 *
 * ``parts``: per file, its number and its text index's columns of window counts (uint32 per unit) and
 * windows (uint64).  Returns every window held, sorted, and its packed value (the xor of its holders'
 * numbers << 32 | how many units hold it), as bytes of uint64; and per part, as bytes of uint32 per unit,
 * how many of the unit's windows another unit holds too. */
static PyObject *count_windows(PyObject *self, PyObject *arg) {
    (void)self;
    PyObject *parts = PySequence_Fast(arg, "count_windows() takes a list of (file, counts, windows)");
    if (parts == NULL)
        return NULL;
    Py_ssize_t np = PySequence_Fast_GET_SIZE(parts);
    Py_buffer *counts = calloc((size_t)np + 1, sizeof(Py_buffer)), *windows = calloc((size_t)np + 1, sizeof(Py_buffer));
    uint32_t *files = calloc((size_t)np + 1, sizeof(uint32_t));
    size_t *unit_at = calloc((size_t)np + 2, sizeof(size_t));
    Occurrence *occ = NULL;
    uint32_t *shared = NULL;
    uint64_t *keys = NULL, *values = NULL;
    PyObject *result = NULL, *shared_list = NULL;
    Py_ssize_t got = 0;
    size_t total = 0;
    if (!counts || !windows || !files || !unit_at) {
        PyErr_NoMemory();
        goto done;
    }
    for (; got < np; got++) {
        PyObject *t = PySequence_Fast_GET_ITEM(parts, got), *f, *c, *w;
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) {
            PyErr_SetString(PyExc_TypeError, "count_windows() takes (file, counts, windows) tuples");
            goto done;
        }
        f = PyTuple_GET_ITEM(t, 0), c = PyTuple_GET_ITEM(t, 1), w = PyTuple_GET_ITEM(t, 2);
        unsigned long fv = PyLong_AsUnsignedLong(f);
        if (PyErr_Occurred())
            goto done;
        files[got] = (uint32_t)fv;
        if (PyObject_GetBuffer(c, &counts[got], PyBUF_SIMPLE))
            goto done;
        if (PyObject_GetBuffer(w, &windows[got], PyBUF_SIMPLE)) {
            PyBuffer_Release(&counts[got]);
            goto done;
        }
        size_t nu = (size_t)counts[got].len / 4, nw = 0;
        const uint32_t *cs = counts[got].buf;
        for (size_t k = 0; k < nu; k++)
            nw += cs[k];
        if (nw * 8 != (size_t)windows[got].len || counts[got].len % 4) {
            PyErr_SetString(PyExc_ValueError, "count_windows(): counts and windows disagree");
            got++;
            goto done;
        }
        unit_at[got + 1] = unit_at[got] + nu;
        total += nw;
    }
    occ = malloc((total + 1) * sizeof(Occurrence));
    shared = calloc(unit_at[np] + 1, sizeof(uint32_t));
    keys = malloc((total + 1) * 8);
    values = malloc((total + 1) * 8);
    if (!occ || !shared || !keys || !values) {
        PyErr_NoMemory();
        goto done;
    }
    size_t m = 0;
    for (Py_ssize_t i = 0; i < np; i++) {
        const uint32_t *cs = counts[i].buf;
        const uint64_t *ws = windows[i].buf;
        size_t nu = (size_t)counts[i].len / 4, at = 0;
        for (size_t k = 0; k < nu; k++)
            for (uint32_t j = 0; j < cs[k]; j++) {
                occ[m].w = ws[at++];
                occ[m].part = (uint32_t)i;
                occ[m].unit = (uint32_t)k;
                m++;
            }
    }
    qsort(occ, total, sizeof(Occurrence), cmp_occurrence);
    size_t nk = 0;
    for (size_t i = 0; i < total;) {
        size_t j = i;
        uint64_t xor = 0;
        while (j < total && occ[j].w == occ[i].w) {
            xor ^= files[occ[j].part];
            j++;
        }
        keys[nk] = occ[i].w;
        values[nk] = (xor & 0xFFFFFFFFu) << 32 | (uint64_t)(j - i);
        nk++;
        if (j - i > 1)
            for (size_t x = i; x < j; x++)
                shared[unit_at[occ[x].part] + occ[x].unit]++;
        i = j;
    }
    shared_list = PyList_New(np);
    if (shared_list == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < np; i++) {
        PyObject *b = bytes_of(shared + unit_at[i], (unit_at[i + 1] - unit_at[i]) * 4);
        if (b == NULL)
            goto done;
        PyList_SET_ITEM(shared_list, i, b);
    }
    result = Py_BuildValue("(NNO)", bytes_of(keys, nk * 8), bytes_of(values, nk * 8), shared_list);
done:
    for (Py_ssize_t i = 0; i < got; i++) {
        PyBuffer_Release(&counts[i]);
        PyBuffer_Release(&windows[i]);
    }
    Py_XDECREF(shared_list);
    free(counts);
    free(windows);
    free(files);
    free(unit_at);
    free(occ);
    free(shared);
    free(keys);
    free(values);
    Py_DECREF(parts);
    return result;
}

static PyMethodDef methods[] = {
    {"index_columns", index_columns, METH_O, "The columns of a file's text index (see ssot.scanner.textual)."},
    {"count_windows", count_windows, METH_O, "Count a tree's windows at once (see CandidateState)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_textindex", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__textindex(void) {
    crc_init();
    return PyModule_Create(&module);
}
