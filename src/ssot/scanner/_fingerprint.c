/* The fingerprint walk's per-node step (ssot.scanner.fingerprint._node) in C.
 *
 * node(node, acc, in_class, found) -> (canonical text, shape text), exactly as the Python
 * ``_node`` gives them, with the same additions to ``acc`` (its size, tokens, loads, stores and
 * cosmetic parts).  Statement bodies go back to Python's ``_stmts`` (which walks the definitions
 * nested in them); everything below a statement stays here.  The Python function stays the
 * reference: tests/scanner/test_fingerprint_native.py holds the two equal on real code.
 * configure(...) hands over what the walk needs of the Python module once, when it is imported.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *T_AST, *T_stmt, *T_Name, *T_Constant, *T_Attribute, *T_Load, *T_arg, *T_ExceptHandler,
    *T_keyword, *T_Import, *T_ImportFrom, *T_arguments, *T_AnnAssign, *T_Dict;
static PyObject *plan_of;  /* fingerprint._plan: (name, size, fields, cosmetic fields) of a node type */
static PyObject *stmts_fn; /* fingerprint._stmts */
static PyObject *plans;    /* type -> its plan (a dict of our own) */
static long attribute_tokens;
static PyObject *S_id, *S_ctx, *S_value, *S_attr, *S_arg, *S_name, *S_names, *S_asname, *S_args, *S_posonlyargs,
    *S_kwonlyargs, *S_annotation, *S_size, *S_tokens, *S_loads, *S_stores, *S_cosmetic, *S_own, *S___name__,
    *S_underscore, *S_N, *S_C, *S_dot, *S_eq, *S_annassign, *S_ann, *S_attribute;

typedef struct {
    PyObject *acc; /* the Python accumulator (NULL: a cosmetic part's, thrown away) */
    PyObject *tokens, *loads, *stores, *cosmetic, *own; /* borrowed; NULL when thrown away (own never) */
    Py_ssize_t size;                                    /* added to acc.size when flushed */
} Walk;

static int add(PyObject *set, PyObject *item) { return set == NULL ? 0 : PySet_Add(set, item); }

/* acc.size += what was counted since the last flush */
static int flush(Walk *w) {
    if (w->acc == NULL || w->size == 0)
        return 0;
    PyObject *now = PyObject_GetAttr(w->acc, S_size);
    if (now == NULL)
        return -1;
    PyObject *delta = PyLong_FromSsize_t(w->size);
    PyObject *sum = delta ? PyNumber_Add(now, delta) : NULL;
    Py_DECREF(now);
    Py_XDECREF(delta);
    if (sum == NULL)
        return -1;
    int rc = PyObject_SetAttr(w->acc, S_size, sum);
    Py_DECREF(sum);
    if (rc == 0)
        w->size = 0;
    return rc;
}

/* getattr(node, name, None), as a new reference (None for a missing attribute) */
static PyObject *field(PyObject *node, PyObject *name) {
    PyObject *v = PyObject_GetAttr(node, name);
    if (v == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return v;
}

/* getattr(node, name, None) (an attribute look-up: ast keeps the fields in the instance's inline values,
 * which the attribute path reads fastest), as a new reference */
static PyObject *attr_of(PyObject *node, PyObject *name) { return field(node, name); }

static PyObject *walk(Walk *w, PyObject *node, int in_class, PyObject *found, PyObject **shape);

/* _cosmetic(node, acc): its text, walked with an accumulator thrown away */
static PyObject *cosmetic_text(Walk *w, PyObject *node) {
    Walk tmp = {NULL, NULL, NULL, NULL, NULL, w->own, 0};
    PyObject *shape = NULL, *canon = walk(&tmp, node, 0, Py_None, &shape);
    Py_XDECREF(shape);
    return canon;
}

static int append_cosmetic(Walk *w, PyObject *node) {
    PyObject *text = cosmetic_text(w, node);
    if (text == NULL)
        return -1;
    int rc = w->cosmetic == NULL ? 0 : PyList_Append(w->cosmetic, text);
    Py_DECREF(text);
    return rc;
}


/* open + sep.join(items) + close in one allocation (open, sep and close ASCII), as Python's f-strings
 * and joins give it; items a list of str */
static PyObject *wrap(const char *open, PyObject *items, const char *sep, const char *close) {
    Py_ssize_t n = PyList_GET_SIZE(items), lo = (Py_ssize_t)strlen(open), ls = (Py_ssize_t)strlen(sep),
               lc = (Py_ssize_t)strlen(close), len = lo + lc + (n > 1 ? (n - 1) * ls : 0);
    Py_UCS4 maxchar = 127;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyList_GET_ITEM(items, i);
        len += PyUnicode_GET_LENGTH(x);
        Py_UCS4 m = PyUnicode_MAX_CHAR_VALUE(x);
        if (m > maxchar)
            maxchar = m;
    }
    PyObject *out = PyUnicode_New(len, maxchar);
    if (out == NULL)
        return NULL;
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < lo; k++)
        PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), at++, (Py_UCS4)(unsigned char)open[k]);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i)
            for (Py_ssize_t k = 0; k < ls; k++)
                PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), at++, (Py_UCS4)(unsigned char)sep[k]);
        PyObject *x = PyList_GET_ITEM(items, i);
        Py_ssize_t lx = PyUnicode_GET_LENGTH(x);
        if (lx && PyUnicode_CopyCharacters(out, at, x, 0, lx) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        at += lx;
    }
    for (Py_ssize_t k = 0; k < lc; k++)
        PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), at++, (Py_UCS4)(unsigned char)close[k]);
    return out;
}

static PyObject *plan_for(PyObject *cls) {
    PyObject *plan = PyDict_GetItemWithError(plans, cls); /* borrowed */
    if (plan != NULL || PyErr_Occurred())
        return plan;
    plan = PyObject_CallOneArg(plan_of, cls);
    if (plan == NULL)
        return NULL;
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) != 4) {
        Py_DECREF(plan);
        PyErr_SetString(PyExc_TypeError, "a fingerprint plan is (name, size, fields, cosmetic fields)");
        return NULL;
    }
    int rc = PyDict_SetItem(plans, cls, plan);
    Py_DECREF(plan);
    return rc ? NULL : plan; /* (the dict holds it) */
}

static PyObject *walk_name(Walk *w, PyObject *node, PyObject **shape) {
    w->size += 1;
    PyObject *name = attr_of(node, S_id), *ctx = name ? attr_of(node, S_ctx) : NULL;
    if (ctx == NULL) {
        Py_XDECREF(name);
        return NULL;
    }
    int rc = add((PyObject *)Py_TYPE(ctx) == T_Load ? w->loads : w->stores, name);
    Py_DECREF(ctx);
    if (rc == 0) {
        int own = PySet_Contains(w->own, name);
        if (own < 0)
            rc = -1;
        else if (own) {
            Py_DECREF(name);
            name = Py_NewRef(S_underscore);
        }
    }
    if (rc == 0)
        rc = add(w->tokens, name);
    PyObject *canon = rc == 0 ? PyUnicode_Concat(S_N, name) : NULL;
    Py_DECREF(name);
    if (canon != NULL)
        *shape = Py_NewRef(S_N);
    return canon;
}

static PyObject *walk_constant(Walk *w, PyObject *node, PyObject **shape) {
    w->size += 1;
    PyObject *v = attr_of(node, S_value);
    if (v == NULL)
        return NULL;
    PyObject *r = PyObject_Repr(v), *canon = NULL;
    if (r == NULL)
        goto out;
    if (w->tokens != NULL && (PyUnicode_Check(v) || PyBytes_Check(v) || PyLong_Check(v) || PyFloat_Check(v))) {
        PyObject *cut = PyUnicode_Substring(r, 0, 40 < PyUnicode_GET_LENGTH(r) ? 40 : PyUnicode_GET_LENGTH(r));
        int rc = cut ? PySet_Add(w->tokens, cut) : -1;
        Py_XDECREF(cut);
        if (rc)
            goto out;
    }
    PyObject *tname = PyObject_GetAttr((PyObject *)Py_TYPE(v), S___name__);
    if (tname == NULL)
        goto out;
    *shape = PyUnicode_Concat(S_C, tname);
    Py_DECREF(tname);
    if (*shape == NULL)
        goto out;
    canon = PyUnicode_Concat(S_C, r);
    if (canon == NULL)
        Py_CLEAR(*shape);
out:
    Py_XDECREF(r);
    Py_DECREF(v);
    return canon;
}

static PyObject *walk_attribute(Walk *w, PyObject *node, int in_class, PyObject *found, PyObject **shape) {
    w->size += attribute_tokens;
    PyObject *attr = attr_of(node, S_attr), *value = NULL, *c = NULL, *sh = NULL, *canon = NULL;
    if (attr == NULL)
        return NULL;
    if (w->tokens != NULL) {
        PyObject *t = PyUnicode_Concat(S_dot, attr);
        int rc = t ? PySet_Add(w->tokens, t) : -1;
        Py_XDECREF(t);
        if (rc)
            goto out;
    }
    value = attr_of(node, S_value);
    if (value == NULL)
        goto out;
    c = walk(w, value, in_class, found, &sh);
    if (c == NULL)
        goto out;
    {
        PyObject *r = PyObject_Repr(attr), *parts = r ? PyList_New(2) : NULL;
        if (parts != NULL) {
            PyList_SET_ITEM(parts, 0, Py_NewRef(c));
            PyList_SET_ITEM(parts, 1, Py_NewRef(r));
            canon = wrap("(Attribute ", parts, " ", ")");
            Py_DECREF(parts);
        }
        Py_XDECREF(r);
    }
    if (canon != NULL) {
        *shape = PyUnicode_Concat(S_attribute, sh);
        if (*shape == NULL)
            Py_CLEAR(canon);
    }
out:
    Py_XDECREF(c);
    Py_XDECREF(sh);
    Py_XDECREF(value);
    Py_DECREF(attr);
    return canon;
}

/* what the special node types add beyond their fields; 1: return the AnnAssign- marker at once */
static int special(Walk *w, PyObject *cls, PyObject *node, int in_class, PyObject *canon, PyObject *shape) {
    if (cls == T_arg) {
        PyObject *a = PyObject_GetAttr(node, S_arg);
        int rc = a ? (add(w->stores, a) || add(w->tokens, a)) : -1;
        Py_XDECREF(a);
        return rc ? -1 : 0;
    }
    if (cls == T_ExceptHandler) {
        PyObject *n = field(node, S_name);
        int truth = n ? PyObject_IsTrue(n) : -1, rc = truth < 0 ? -1 : truth ? add(w->stores, n) : 0;
        Py_XDECREF(n);
        return rc;
    }
    if (cls == T_keyword) {
        PyObject *a = field(node, S_arg);
        int truth = a ? PyObject_IsTrue(a) : -1, rc = truth < 0 ? -1 : 0;
        if (truth > 0 && w->tokens != NULL) {
            PyObject *t = PyUnicode_Concat(a, S_eq);
            rc = t ? PySet_Add(w->tokens, t) : -1;
            Py_XDECREF(t);
        }
        Py_XDECREF(a);
        return rc;
    }
    if (cls == T_Import || cls == T_ImportFrom) {
        PyObject *names = PyObject_GetAttr(node, S_names);
        if (names == NULL)
            return -1;
        PyObject *it = PyObject_GetIter(names), *a;
        Py_DECREF(names);
        if (it == NULL)
            return -1;
        int rc = 0;
        while (rc == 0 && (a = PyIter_Next(it)) != NULL) {
            PyObject *n = field(a, S_asname);
            int truth = n ? PyObject_IsTrue(n) : -1;
            if (truth == 0) {
                Py_DECREF(n);
                n = PyObject_GetAttr(a, S_name);
            }
            PyObject *parts = truth < 0 || n == NULL ? NULL : PyUnicode_Split(n, S_dot, 1);
            rc = parts && PyList_GET_SIZE(parts) ? add(w->stores, PyList_GET_ITEM(parts, 0)) : -1;
            Py_XDECREF(parts);
            Py_XDECREF(n);
            Py_DECREF(a);
        }
        Py_DECREF(it);
        return rc || PyErr_Occurred() ? -1 : 0;
    }
    if (cls == T_arguments) {
        Py_ssize_t n = 0;
        PyObject *names[3] = {S_args, S_posonlyargs, S_kwonlyargs};
        for (int i = 0; i < 3; i++) {
            PyObject *v = PyObject_GetAttr(node, names[i]);
            Py_ssize_t k = v ? PyObject_Length(v) : -1;
            Py_XDECREF(v);
            if (k < 0)
                return -1;
            n += k;
        }
        PyObject *s = PyUnicode_FromFormat("%zd", n);
        int rc = s ? PyList_Append(shape, s) : -1;
        Py_XDECREF(s);
        return rc;
    }
    if (cls == T_AnnAssign) {
        PyObject *value = field(node, S_value);
        if (value == NULL)
            return -1;
        int bare = value == Py_None;
        Py_DECREF(value);
        if (bare && !in_class) { /* a bare annotation in a function body does nothing */
            PyObject *ann = field(node, S_annotation);
            int rc = ann == NULL ? -1 : ann != Py_None ? append_cosmetic(w, ann) : 0;
            Py_XDECREF(ann);
            return rc ? -1 : 1;
        }
        if (in_class) { /* a declared field: the annotation is not behaviour-neutral */
            if (PyList_Append(canon, S_ann))
                return -1;
            PyObject *ann = PyObject_GetAttr(node, S_annotation), *sh = NULL;
            PyObject *c = ann ? walk(w, ann, 0, Py_None, &sh) : NULL;
            Py_XDECREF(ann);
            Py_XDECREF(sh);
            int rc = c ? PyList_Append(canon, c) : -1;
            Py_XDECREF(c);
            return rc;
        }
    }
    return 0;
}

static PyObject *walk_node(Walk *w, PyObject *node, int in_class, PyObject *found, PyObject **shape);

/* one level deeper, counted as Python counts its frames: code nested too deeply raises RecursionError, as
 * the Python walk does (the scan reports the file), never overflows the C stack */
static PyObject *walk(Walk *w, PyObject *node, int in_class, PyObject *found, PyObject **shape) {
    *shape = NULL;
    if (Py_EnterRecursiveCall(" in the fingerprint walk"))
        return NULL;
    PyObject *out = walk_node(w, node, in_class, found, shape);
    Py_LeaveRecursiveCall();
    return out;
}

static PyObject *walk_node(Walk *w, PyObject *node, int in_class, PyObject *found, PyObject **shape) {
    PyObject *cls = (PyObject *)Py_TYPE(node);
    if (cls == T_Name)
        return walk_name(w, node, shape);
    if (cls == T_Constant)
        return walk_constant(w, node, shape);
    if (cls == T_Attribute)
        return walk_attribute(w, node, in_class, found, shape);
    PyObject *plan = plan_for(cls);
    if (plan == NULL)
        return NULL;
    PyObject *t = PyTuple_GET_ITEM(plan, 0), *fields = PyTuple_GET_ITEM(plan, 2),
             *cosmetic_fields = PyTuple_GET_ITEM(plan, 3);
    w->size += PyLong_AsSsize_t(PyTuple_GET_ITEM(plan, 1));
    PyObject *canon = PyList_New(1), *shapes = PyList_New(1), *result = NULL, *value = NULL;
    if (canon == NULL || shapes == NULL)
        goto out;
    PyList_SET_ITEM(canon, 0, Py_NewRef(t));
    PyList_SET_ITEM(shapes, 0, Py_NewRef(t));
    int sp = special(w, cls, node, in_class, canon, shapes);
    if (sp < 0)
        goto out;
    if (sp == 1) {
        result = Py_NewRef(S_annassign);
        *shape = Py_NewRef(S_annassign);
        goto out;
    }
    if (PyTuple_GET_SIZE(cosmetic_fields) && !(cls == T_AnnAssign && in_class)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cosmetic_fields); i++) {
            PyObject *v = attr_of(node, PyTuple_GET_ITEM(cosmetic_fields, i));
            int rc = v == NULL ? -1 : PyObject_TypeCheck(v, (PyTypeObject *)T_AST) ? append_cosmetic(w, v) : 0;
            Py_XDECREF(v);
            if (rc)
                goto out;
        }
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fields); i++) {
        PyObject *f = PyTuple_GET_ITEM(fields, i);
        PyObject *name = PyTuple_GET_ITEM(f, 0);
        int body = PyObject_IsTrue(PyTuple_GET_ITEM(f, 1));
        Py_XSETREF(value, attr_of(node, name));
        if (value == NULL)
            goto out;
        if (value == Py_None)
            continue;
        if (PyList_CheckExact(value)) {
            Py_ssize_t n = PyList_GET_SIZE(value);
            if (body && found != Py_None && n && PyObject_TypeCheck(PyList_GET_ITEM(value, 0), (PyTypeObject *)T_stmt)) {
                if (flush(w))
                    goto out;
                PyObject *acc = w->acc, *own = w->own;
                PyObject *text = PyObject_CallFunction(stmts_fn, "OOOOO", value, acc ? acc : Py_None,
                                                       in_class ? Py_True : Py_False, own, found);
                if (text == NULL)
                    goto out;
                int rc = PyList_Append(canon, text);
                Py_DECREF(text);
                if (rc)
                    goto out;
                continue;
            }
            if (!body && n > 1)
                w->size += cls != T_Dict ? n - 1 : 2 * n - 1;
            PyObject *items = PyList_New(0);
            if (items == NULL)
                goto out;
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(value); k++) {
                PyObject *v = PyList_GET_ITEM(value, k), *c, *sh = NULL;
                if (PyObject_TypeCheck(v, (PyTypeObject *)T_AST)) {
                    Py_INCREF(v);
                    c = walk(w, v, in_class, found, &sh);
                    Py_DECREF(v);
                } else
                    c = PyObject_Repr(v);
                int rc = c ? PyList_Append(items, c) : -1;
                Py_XDECREF(c);
                if (rc == 0 && !body && sh != NULL)
                    rc = PyList_Append(shapes, sh);
                Py_XDECREF(sh);
                if (rc) {
                    Py_DECREF(items);
                    goto out;
                }
            }
            PyObject *text = wrap("[", items, ",", "]");
            Py_DECREF(items);
            int rc = text ? PyList_Append(canon, text) : -1;
            Py_XDECREF(text);
            if (rc)
                goto out;
        } else if (PyObject_TypeCheck(value, (PyTypeObject *)T_AST)) {
            PyObject *sh = NULL, *c = walk(w, value, in_class, found, &sh);
            int rc = c && sh ? PyList_Append(canon, c) || PyList_Append(shapes, sh) : -1;
            Py_XDECREF(c);
            Py_XDECREF(sh);
            if (rc)
                goto out;
        } else {
            PyObject *r = PyObject_Repr(value);
            int rc = r ? PyList_Append(canon, r) : -1;
            Py_XDECREF(r);
            if (rc)
                goto out;
        }
    }
    {
        result = wrap("(", canon, " ", ")");
        if (result != NULL) {
            *shape = PyList_GET_SIZE(shapes) == 1 ? Py_NewRef(PyList_GET_ITEM(shapes, 0)) : wrap("", shapes, " ", "");
            if (*shape == NULL)
                Py_CLEAR(result);
        }
    }
out:
    Py_XDECREF(value);
    Py_XDECREF(canon);
    Py_XDECREF(shapes);
    return result;
}

static PyObject *node_fn(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "node(node, acc, in_class, found)");
        return NULL;
    }
    if (plans == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "ssot.scanner._fingerprint is not configured");
        return NULL;
    }
    PyObject *acc = args[1];
    Walk w = {acc, NULL, NULL, NULL, NULL, NULL, 0};
    PyObject *attrs[5] = {S_tokens, S_loads, S_stores, S_cosmetic, S_own}, *got[5] = {0};
    for (int i = 0; i < 5; i++)
        if ((got[i] = PyObject_GetAttr(acc, attrs[i])) == NULL)
            goto fail;
    w.tokens = got[0], w.loads = got[1], w.stores = got[2], w.cosmetic = got[3], w.own = got[4];
    int in_class = PyObject_IsTrue(args[2]);
    if (in_class < 0)
        goto fail;
    PyObject *shape = NULL, *canon = walk(&w, args[0], in_class, args[3], &shape);
    if (canon == NULL || flush(&w)) {
        Py_XDECREF(canon);
        Py_XDECREF(shape);
        goto fail;
    }
    for (int i = 0; i < 5; i++)
        Py_DECREF(got[i]);
    PyObject *out = PyTuple_Pack(2, canon, shape);
    Py_DECREF(canon);
    Py_DECREF(shape);
    return out;
fail:
    for (int i = 0; i < 5; i++)
        Py_XDECREF(got[i]);
    return NULL;
}

/* configure(types, plan, stmts, attribute_tokens): the node types the walk tells apart (a dict of
 * name -> type: AST, stmt, Name, Constant, Attribute, Load, arg, ExceptHandler, keyword, Import,
 * ImportFrom, arguments, AnnAssign, Dict), fingerprint._plan, fingerprint._stmts, and the tokens an
 * attribute counts. */
static PyObject *configure(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *types, *plan, *stmts;
    long at;
    if (!PyArg_ParseTuple(args, "O!OOl", &PyDict_Type, &types, &plan, &stmts, &at))
        return NULL;
    struct {
        const char *name;
        PyObject **slot;
    } want[] = {{"AST", &T_AST}, {"stmt", &T_stmt}, {"Name", &T_Name}, {"Constant", &T_Constant},
                {"Attribute", &T_Attribute}, {"Load", &T_Load}, {"arg", &T_arg}, {"ExceptHandler", &T_ExceptHandler},
                {"keyword", &T_keyword}, {"Import", &T_Import}, {"ImportFrom", &T_ImportFrom},
                {"arguments", &T_arguments}, {"AnnAssign", &T_AnnAssign}, {"Dict", &T_Dict}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        PyObject *t = PyDict_GetItemString(types, want[i].name);
        if (t == NULL || !PyType_Check(t)) {
            PyErr_Format(PyExc_TypeError, "configure(): no node type %s", want[i].name);
            return NULL;
        }
        Py_XSETREF(*want[i].slot, Py_NewRef(t));
    }
    Py_XSETREF(plan_of, Py_NewRef(plan));
    Py_XSETREF(stmts_fn, Py_NewRef(stmts));
    Py_XSETREF(plans, PyDict_New());
    attribute_tokens = at;
    if (plans == NULL)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"node", (PyCFunction)(void (*)(void))node_fn, METH_FASTCALL, "fingerprint._node, in C."},
    {"configure", configure, METH_VARARGS, "What the walk needs of ssot.scanner.fingerprint."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fingerprint", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fingerprint(void) {
    struct {
        PyObject **slot;
        const char *text;
    } strings[] = {{&S_id, "id"}, {&S_ctx, "ctx"}, {&S_value, "value"}, {&S_attr, "attr"}, {&S_arg, "arg"},
                   {&S_name, "name"}, {&S_names, "names"}, {&S_asname, "asname"}, {&S_args, "args"},
                   {&S_posonlyargs, "posonlyargs"}, {&S_kwonlyargs, "kwonlyargs"}, {&S_annotation, "annotation"},
                   {&S_size, "size"}, {&S_tokens, "tokens"}, {&S_loads, "loads"}, {&S_stores, "stores"},
                   {&S_cosmetic, "cosmetic"}, {&S_own, "own"}, {&S___name__, "__name__"}, {&S_underscore, "_"},
                   {&S_N, "N"}, {&S_C, "C"}, {&S_dot, "."}, {&S_eq, "="},
                   {&S_annassign, "AnnAssign-"}, {&S_ann, "ann"}, {&S_attribute, "Attribute "}};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if ((*strings[i].slot = PyUnicode_InternFromString(strings[i].text)) == NULL)
            return NULL;
    return PyModule_Create(&module);
}
