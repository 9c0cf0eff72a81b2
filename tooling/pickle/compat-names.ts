// Python 2 names that CPython's unpickler rewrites before importing (`fix_imports`, on by default,
// applied while the pickle's protocol is below 3): a copy of `_compat_pickle`'s 2-to-3 tables from
// CPython 3.11.7. `__builtin__.getattr` in a protocol 2 pickle is `builtins.getattr` when loaded.

/** Whole modules renamed (`_compat_pickle.IMPORT_MAPPING`). */
export const IMPORT_MAPPING: Readonly<Record<string, string>> = {
  "__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue", "SocketServer": "socketserver",
  "ConfigParser": "configparser", "repr": "reprlib", "tkFileDialog": "tkinter.filedialog",
  "tkSimpleDialog": "tkinter.simpledialog", "tkColorChooser": "tkinter.colorchooser",
  "tkCommonDialog": "tkinter.commondialog", "Dialog": "tkinter.dialog", "Tkdnd": "tkinter.dnd",
  "tkFont": "tkinter.font", "tkMessageBox": "tkinter.messagebox", "ScrolledText": "tkinter.scrolledtext",
  "Tkconstants": "tkinter.constants", "Tix": "tkinter.tix", "ttk": "tkinter.ttk", "Tkinter": "tkinter",
  "markupbase": "_markupbase", "_winreg": "winreg", "thread": "_thread", "dummy_thread": "_dummy_thread",
  "dbhash": "dbm.bsd", "dumbdbm": "dbm.dumb", "dbm": "dbm.ndbm", "gdbm": "dbm.gnu",
  "xmlrpclib": "xmlrpc.client", "SimpleXMLRPCServer": "xmlrpc.server", "httplib": "http.client",
  "htmlentitydefs": "html.entities", "HTMLParser": "html.parser", "Cookie": "http.cookies",
  "cookielib": "http.cookiejar", "BaseHTTPServer": "http.server", "test.test_support": "test.support",
  "commands": "subprocess", "urlparse": "urllib.parse", "robotparser": "urllib.robotparser",
  "urllib2": "urllib.request", "anydbm": "dbm", "_abcoll": "collections.abc", "cPickle": "pickle",
  "_elementtree": "xml.etree.ElementTree", "FileDialog": "tkinter.filedialog",
  "SimpleDialog": "tkinter.simpledialog", "DocXMLRPCServer": "xmlrpc.server",
  "SimpleHTTPServer": "http.server", "CGIHTTPServer": "http.server", "UserDict": "collections",
  "UserList": "collections", "UserString": "collections", "whichdb": "dbm", "StringIO": "io",
  "cStringIO": "io",
};

/** Single names moved (`_compat_pickle.NAME_MAPPING`), keyed "module name" (one space: no clash with
 * names holding spaces), except the exceptions below. */
export const NAME_MAPPING: Readonly<Record<string, readonly [string, string]>> = {
  "__builtin__ xrange": ["builtins", "range"],
  "__builtin__ reduce": ["functools", "reduce"],
  "__builtin__ intern": ["sys", "intern"],
  "__builtin__ unichr": ["builtins", "chr"],
  "__builtin__ unicode": ["builtins", "str"],
  "__builtin__ long": ["builtins", "int"],
  "itertools izip": ["builtins", "zip"],
  "itertools imap": ["builtins", "map"],
  "itertools ifilter": ["builtins", "filter"],
  "itertools ifilterfalse": ["itertools", "filterfalse"],
  "itertools izip_longest": ["itertools", "zip_longest"],
  "UserDict IterableUserDict": ["collections", "UserDict"],
  "UserList UserList": ["collections", "UserList"],
  "UserString UserString": ["collections", "UserString"],
  "whichdb whichdb": ["dbm", "whichdb"],
  "_socket fromfd": ["socket", "fromfd"],
  "_multiprocessing Connection": ["multiprocessing.connection", "Connection"],
  "multiprocessing.process Process": ["multiprocessing.context", "Process"],
  "multiprocessing.forking Popen": ["multiprocessing.popen_fork", "Popen"],
  "urllib ContentTooShortError": ["urllib.error", "ContentTooShortError"],
  "urllib getproxies": ["urllib.request", "getproxies"],
  "urllib pathname2url": ["urllib.request", "pathname2url"],
  "urllib quote_plus": ["urllib.parse", "quote_plus"],
  "urllib quote": ["urllib.parse", "quote"],
  "urllib unquote_plus": ["urllib.parse", "unquote_plus"],
  "urllib unquote": ["urllib.parse", "unquote"],
  "urllib url2pathname": ["urllib.request", "url2pathname"],
  "urllib urlcleanup": ["urllib.request", "urlcleanup"],
  "urllib urlencode": ["urllib.parse", "urlencode"],
  "urllib urlopen": ["urllib.request", "urlopen"],
  "urllib urlretrieve": ["urllib.request", "urlretrieve"],
  "urllib2 HTTPError": ["urllib.error", "HTTPError"],
  "urllib2 URLError": ["urllib.error", "URLError"],
  "multiprocessing AuthenticationError": ["multiprocessing.context", "AuthenticationError"],
  "multiprocessing BufferTooShort": ["multiprocessing.context", "BufferTooShort"],
  "multiprocessing ProcessError": ["multiprocessing.context", "ProcessError"],
  "multiprocessing TimeoutError": ["multiprocessing.context", "TimeoutError"],
  "__builtin__ basestring": ["builtins", "str"],
  "exceptions StandardError": ["builtins", "Exception"],
  "UserDict UserDict": ["collections", "UserDict"],
  "socket _socketobject": ["socket", "SocketType"],
};

/** `exceptions.<name>` for these names became `builtins.<name>` (`_compat_pickle.PYTHON2_EXCEPTIONS`). */
const PYTHON2_EXCEPTIONS = new Set([
  "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BufferError", "BytesWarning",
  "DeprecationWarning", "EOFError", "EnvironmentError", "Exception", "FloatingPointError", "FutureWarning",
  "GeneratorExit", "IOError", "ImportError", "ImportWarning", "IndentationError", "IndexError", "KeyError",
  "KeyboardInterrupt", "LookupError", "MemoryError", "NameError", "NotImplementedError", "OSError",
  "OverflowError", "PendingDeprecationWarning", "ReferenceError", "RuntimeError", "RuntimeWarning",
  "StopIteration", "SyntaxError", "SyntaxWarning", "SystemError", "SystemExit", "TabError", "TypeError",
  "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError",
  "UnicodeWarning", "UserWarning", "ValueError", "Warning", "ZeroDivisionError",
]);

/** The (module, name) CPython's `find_class` imports for a pickle of this protocol. */
export function fixImports(module: string, name: string, protocol: number): [string, string] {
  if (protocol >= 3) return [module, name];
  // hasOwn: a pickle may name a module "constructor" or "__proto__".
  const key = `${module} ${name}`;
  if (Object.hasOwn(NAME_MAPPING, key)) return [...NAME_MAPPING[key]!];
  if (module === "exceptions" && PYTHON2_EXCEPTIONS.has(name)) return ["builtins", name];
  return [Object.hasOwn(IMPORT_MAPPING, module) ? IMPORT_MAPPING[module]! : module, name];
}
