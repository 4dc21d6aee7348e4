/* mockwx phone: WXML, the mini program's templates, rendered to DOM (no eval: CSP forbids it).

   Supported: <view> <text> <button> <image> <input> <block> <navigator> and any other tag (as itself);
   {{ expressions }} in text and attributes (paths, literals, ! - + * / % < > <= >= == != === !==
   && || ?: and parentheses); wx:if / wx:elif / wx:else; wx:for with wx:for-item / wx:for-index;
   hidden; data-* (dataset, lower-cased as WXML does); bindEVENT and catchEVENT attributes (tap, input, confirm, blur,
   focus, and the open-type button events). Styles may use rpx. */
(function () {
  "use strict";
  const VOID = new Set(["input", "image", "icon", "progress", "img", "br"]);

  // -- parsing the markup ---------------------------------------------------------------------------

  function parse(source) {
    const root = { tag: "#root", attrs: {}, children: [] };
    const stack = [root];
    let i = 0;
    const top = () => stack[stack.length - 1];
    while (i < source.length) {
      if (source.startsWith("<!--", i)) {
        const end = source.indexOf("-->", i + 4);
        i = end < 0 ? source.length : end + 3;
      } else if (source.startsWith("</", i)) {
        const end = source.indexOf(">", i);
        const name = source.slice(i + 2, end < 0 ? source.length : end).trim().toLowerCase();
        i = end < 0 ? source.length : end + 1;
        for (let k = stack.length - 1; k > 0; k--) {
          if (stack[k].tag === name) { stack.length = k; break; }
        }
      } else if (source[i] === "<" && /[A-Za-z]/.test(source[i + 1] || "")) {
        const tag = readTag(source, i);
        i = tag.end;
        const node = { tag: tag.name, attrs: tag.attrs, children: [] };
        top().children.push(node);
        if (!tag.selfClosing && !VOID.has(tag.name)) stack.push(node);
      } else {
        let j = i;
        while (j < source.length) {
          if (source.startsWith("{{", j)) {
            const close = source.indexOf("}}", j + 2);
            j = close < 0 ? source.length : close + 2;
          } else if (source[j] === "<" && /[A-Za-z/!]/.test(source[j + 1] || "")) {
            break;
          } else {
            j++;
          }
        }
        const text = source.slice(i, j);
        if (text.trim()) top().children.push({ text: decodeEntities(text) });
        i = j;
      }
    }
    return root.children;
  }

  function readTag(s, start) {
    let i = start + 1;
    const nameMatch = /^[A-Za-z][\w:-]*/.exec(s.slice(i));
    const name = nameMatch[0].toLowerCase();
    i += nameMatch[0].length;
    const attrs = {};
    for (;;) {
      while (/\s/.test(s[i] || "")) i++;
      if (i >= s.length) return { name, attrs, selfClosing: false, end: i };
      if (s[i] === ">") return { name, attrs, selfClosing: false, end: i + 1 };
      if (s.startsWith("/>", i)) return { name, attrs, selfClosing: true, end: i + 2 };
      const m = /^[^\s=/>]+/.exec(s.slice(i));
      if (!m) { i++; continue; }
      const attr = m[0];
      i += attr.length;
      while (/\s/.test(s[i] || "")) i++;
      let value = true;
      if (s[i] === "=") {
        i++;
        while (/\s/.test(s[i] || "")) i++;
        const quote = s[i];
        if (quote === '"' || quote === "'") {
          const end = s.indexOf(quote, i + 1);
          value = decodeEntities(s.slice(i + 1, end < 0 ? s.length : end));
          i = end < 0 ? s.length : end + 1;
        } else {
          const v = /^[^\s>]+/.exec(s.slice(i));
          value = v ? v[0] : "";
          i += value.length;
        }
      }
      attrs[attr] = value;
    }
  }

  function decodeEntities(text) {
    return text.replace(/&(lt|gt|amp|quot|nbsp|#39);/g, (_, e) => ({ lt: "<", gt: ">", amp: "&", quot: '"', nbsp: "\u00a0", "#39": "'" })[e]);
  }

  // -- expressions ----------------------------------------------------------------------------------

  const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_$][\w$]*)|(===|!==|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.()[\]]))/y;

  function tokenize(text) {
    const out = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      const at = TOKEN.lastIndex;
      const m = TOKEN.exec(text);
      if (!m) {
        if (/^\s*$/.test(text.slice(at))) break;
        throw new Error(`cannot read {{${text}}} at "${text.slice(at)}"`);
      }
      if (m[1] !== undefined) out.push({ k: "num", v: Number(m[1]) });
      else if (m[2] !== undefined) out.push({ k: "str", v: m[2].slice(1, -1).replace(/\\(.)/g, "$1") });
      else if (m[3] !== undefined) out.push({ k: "id", v: m[3] });
      else out.push({ k: "op", v: m[4] });
    }
    return out;
  }

  const BINARY = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "===": 3, "!==": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
  };
  const CONSTANTS = { true: true, false: false, null: null, undefined: undefined };

  function compileExpression(text) {
    const tokens = tokenize(text);
    let pos = 0;
    const peek = () => tokens[pos];
    const isOp = (v) => peek() && peek().k === "op" && peek().v === v;
    const expect = (v) => {
      if (!isOp(v)) throw new Error(`expected "${v}" in {{${text}}}`);
      pos++;
    };

    function ternary() {
      const test = binary(1);
      if (!isOp("?")) return test;
      pos++;
      const yes = ternary();
      expect(":");
      const no = ternary();
      return (scope) => (test(scope) ? yes(scope) : no(scope));
    }
    function binary(level) {
      let left = unary();
      for (;;) {
        const t = peek();
        const prec = t && t.k === "op" ? BINARY[t.v] : undefined;
        if (prec === undefined || prec < level) return left;
        pos++;
        const right = binary(prec + 1);
        const l = left;
        left = operate(t.v, l, right);
      }
    }
    function unary() {
      if (isOp("!")) { pos++; const v = unary(); return (s) => !v(s); }
      if (isOp("-")) { pos++; const v = unary(); return (s) => -v(s); }
      return postfix(primary());
    }
    function primary() {
      const t = tokens[pos++];
      if (!t) throw new Error(`{{${text}}} ends too early`);
      if (t.k === "num" || t.k === "str") return () => t.v;
      if (t.k === "id") {
        if (t.v in CONSTANTS) return () => CONSTANTS[t.v];
        return (scope) => lookup(scope, t.v);
      }
      if (t.v === "(") { const inner = ternary(); expect(")"); return inner; }
      throw new Error(`unexpected "${t.v}" in {{${text}}}`);
    }
    function postfix(base) {
      for (;;) {
        if (isOp(".")) {
          pos++;
          const t = tokens[pos++];
          if (!t || t.k !== "id") throw new Error(`a name must follow "." in {{${text}}}`);
          const b = base;
          base = (s) => member(b(s), t.v);
        } else if (isOp("[")) {
          pos++;
          const key = ternary();
          expect("]");
          const b = base;
          base = (s) => member(b(s), key(s));
        } else {
          return base;
        }
      }
    }
    const fn = ternary();
    if (pos < tokens.length) throw new Error(`unexpected "${tokens[pos].v}" in {{${text}}}`);
    return fn;
  }

  function operate(op, l, r) {
    switch (op) {
      case "||": return (s) => l(s) || r(s);
      case "&&": return (s) => l(s) && r(s);
      case "==": return (s) => l(s) == r(s); // eslint-disable-line eqeqeq
      case "!=": return (s) => l(s) != r(s); // eslint-disable-line eqeqeq
      case "===": return (s) => l(s) === r(s);
      case "!==": return (s) => l(s) !== r(s);
      case "<": return (s) => l(s) < r(s);
      case ">": return (s) => l(s) > r(s);
      case "<=": return (s) => l(s) <= r(s);
      case ">=": return (s) => l(s) >= r(s);
      case "+": return (s) => l(s) + r(s);
      case "-": return (s) => l(s) - r(s);
      case "*": return (s) => l(s) * r(s);
      case "/": return (s) => l(s) / r(s);
      default: return (s) => l(s) % r(s);
    }
  }

  function member(object, key) {
    if (object === null || object === undefined) return undefined;
    if (key === "__proto__" || key === "constructor" || key === "prototype") return undefined;
    return object[key];
  }

  function lookup(scope, name) {
    for (let s = scope; s; s = s.parent) {
      if (s.vars && Object.prototype.hasOwnProperty.call(s.vars, name)) return s.vars[name];
    }
    return undefined;
  }

  // "{{a}}" alone keeps its value's type; text around it makes a string
  const cache = new Map();
  function interpolation(text) {
    if (cache.has(text)) return cache.get(text);
    const parts = [];
    let i = 0;
    while (i < text.length) {
      const open = text.indexOf("{{", i);
      if (open < 0) { parts.push(text.slice(i)); break; }
      if (open > i) parts.push(text.slice(i, open));
      const close = text.indexOf("}}", open + 2);
      if (close < 0) { parts.push(text.slice(open)); break; }
      parts.push(compileExpression(text.slice(open + 2, close)));
      i = close + 2;
    }
    let fn;
    if (parts.length === 1 && typeof parts[0] === "function") fn = parts[0];
    else fn = (s) => parts.map((p) => (typeof p === "function" ? show(p(s)) : p)).join("");
    cache.set(text, fn);
    return fn;
  }

  function show(value) {
    if (value === undefined || value === null) return "";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function evaluate(text, scope) {
    return typeof text === "string" ? interpolation(text)(scope) : text;
  }

  // -- rendering --------------------------------------------------------------------------------------

  const ELEMENTS = { text: "span", image: "img", block: null, icon: "span" };
  const PASSED = new Set(["id", "class", "style", "src", "value", "placeholder", "type", "maxlength", "disabled", "password", "size", "open-type", "form-type", "mode", "url", "checked", "name", "aria-label", "role"]);

  function rpx(style) {
    return String(style).replace(/(-?\d*\.?\d+)rpx/g, "calc($1 * var(--rpx))");
  }

  /* nodes -> DOM under `out`; `ctx.bind(element, eventName, handlerName, isCatch)` wires events */
  function render(nodes, scope, out, ctx) {
    let matched = null; // inside an if/elif/else chain: has a branch been taken?
    for (const node of nodes) {
      if (node.text !== undefined) {
        out.appendChild(document.createTextNode(show(evaluate(node.text, scope))));
        matched = null;
        continue;
      }
      const a = node.attrs;
      if ("wx:if" in a) {
        matched = !!evaluate(a["wx:if"], scope);
        if (!matched) continue;
      } else if ("wx:elif" in a) {
        if (matched === null || matched) continue;
        matched = !!evaluate(a["wx:elif"], scope);
        if (!matched) continue;
      } else if ("wx:else" in a) {
        const taken = matched;
        matched = null;
        if (taken === null || taken) continue;
      } else {
        matched = null;
      }
      if ("wx:for" in a) {
        const list = evaluate(a["wx:for"], scope);
        const itemName = a["wx:for-item"] || "item";
        const indexName = a["wx:for-index"] || "index";
        const entries = Array.isArray(list) ? list.map((v, k) => [k, v])
          : typeof list === "number" ? Array.from({ length: list }, (_, k) => [k, k])
          : list && typeof list === "object" ? Object.entries(list) : [];
        for (const [key, value] of entries) {
          element(node, { vars: { [itemName]: value, [indexName]: key }, parent: scope }, out, ctx);
        }
      } else {
        element(node, scope, out, ctx);
      }
    }
  }

  function element(node, scope, out, ctx) {
    const tag = node.tag in ELEMENTS ? ELEMENTS[node.tag] : node.tag;
    if (tag === null) { render(node.children, scope, out, ctx); return; }
    const el = document.createElement(tag);
    el.classList.add("wx-" + node.tag);
    const dataset = {};
    for (const [name, raw] of Object.entries(node.attrs)) {
      if (name.startsWith("wx:")) continue;
      const value = evaluate(raw, scope);
      if (name.startsWith("data-")) {
        const key = name.slice(5).toLowerCase().replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        dataset[key] = value;
      } else if (/^(bind|catch)(:)?/.test(name)) {
        const isCatch = name.startsWith("catch");
        const event = name.replace(/^(bind|catch):?/, "");
        ctx.bind(el, event, String(value), isCatch, node);
      } else if (name === "hidden") {
        if (value && value !== "false") el.style.display = "none";
      } else if (name === "style") {
        el.setAttribute("style", rpx(value) + (el.style.display === "none" ? ";display:none" : ""));
      } else if (name === "class") {
        for (const c of show(value).split(/\s+/).filter(Boolean)) el.classList.add(c);
      } else if (name === "disabled" || name === "checked" || name === "password") {
        if (value && value !== "false") {
          if (name === "password") el.setAttribute("type", "password");
          else el.setAttribute(name, "");
        }
      } else if (name === "value" && tag === "input") {
        el.value = show(value);
      } else if (PASSED.has(name) || name.startsWith("aria-")) {
        el.setAttribute(name, show(value));
      }
    }
    el.__wxDataset = dataset;
    for (const [k, v] of Object.entries(dataset)) {
      if (v === null || typeof v !== "object") el.setAttribute("data-" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), show(v));
    }
    if (tag === "input" && !el.getAttribute("type")) el.setAttribute("type", "text");
    render(node.children, scope, el, ctx);
    out.appendChild(el);
  }

  window.MockWX = window.MockWX || {};
  window.MockWX.wxml = {
    parse,
    compileExpression,
    evaluate,
    rpx,
    /* a template, compiled once: render(data, ctx) -> DocumentFragment */
    compile(source) {
      const nodes = parse(source);
      return (data, ctx) => {
        const fragment = document.createDocumentFragment();
        render(nodes, { vars: data, parent: null }, fragment, ctx);
        return fragment;
      };
    },
  };
})();
