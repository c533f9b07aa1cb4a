/**
 * The structural rules of the JUnit XML schema that CI systems read, as a checker over a parsed
 * tree. Derived from jenkinsci/xunit-plugin
 * src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd
 * (commit 031e285ef3b60dee7aaf36e9096d7dcd95ffae83): which elements may appear where, which
 * attributes are allowed and required, the SUREFIRE_TIME pattern for `time`, and text-only
 * content for failure/error/skipped/system-out/system-err. On top of the XSD it checks that the
 * counts agree with the test cases, which the XSD cannot express but dashboards rely on.
 *
 * @module
 */
import type { XmlElement } from "./_xml.ts";

// xs:pattern of SUREFIRE_TIME, anchored as XSD patterns implicitly are.
const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;
const COUNT = /^[0-9]+$/;

interface Rule {
  attrs: string[];
  required: string[];
  children: string[] | "text";
}

const RESULT = { attrs: ["type", "message"], required: [], children: "text" } as const;
const RERUN = {
  attrs: ["type", "message"],
  required: ["type"],
  children: ["stackTrace", "system-out", "system-err"],
};

const RULES: Record<string, Rule> = {
  testsuites: {
    attrs: ["name", "time", "tests", "failures", "errors"],
    required: [],
    children: ["testsuite"],
  },
  testsuite: {
    attrs: [
      "name",
      "tests",
      "failures",
      "errors",
      "group",
      "time",
      "skipped",
      "timestamp",
      "hostname",
      "id",
      "package",
      "file",
      "log",
      "url",
    ],
    required: ["name", "tests", "failures", "errors"],
    children: ["testsuite", "properties", "testcase", "system-out", "system-err"],
  },
  properties: { attrs: [], required: [], children: ["property"] },
  property: { attrs: ["name", "value"], required: ["name", "value"], children: [] },
  testcase: {
    attrs: ["name", "time", "classname", "group"],
    required: ["name"],
    children: [
      "skipped",
      "error",
      "failure",
      "rerunFailure",
      "rerunError",
      "flakyFailure",
      "flakyError",
      "system-out",
      "system-err",
    ],
  },
  failure: { ...RESULT, attrs: [...RESULT.attrs], required: [] },
  error: { ...RESULT, attrs: [...RESULT.attrs], required: [] },
  skipped: { ...RESULT, attrs: [...RESULT.attrs], required: [] },
  "system-out": { attrs: [], required: [], children: "text" },
  "system-err": { attrs: [], required: [], children: "text" },
  rerunFailure: RERUN,
  rerunError: RERUN,
  flakyFailure: RERUN,
  flakyError: RERUN,
  stackTrace: { attrs: [], required: [], children: "text" },
};

/** One violation, with the element path. */
export interface JunitProblem {
  path: string;
  message: string;
}

/**
 * Check a parsed JUnit document. `requireCounts` also demands the count attributes the brief
 * asks for (`skipped`, `time`) and consistency of every count with the test cases.
 */
export function checkJunit(root: XmlElement): JunitProblem[] {
  const problems: JunitProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (root.name !== "testsuites") add("/", `root is <${root.name}>, expected <testsuites>`);

  const walk = (el: XmlElement, path: string) => {
    const rule = RULES[el.name];
    if (!rule) {
      add(path, `unknown element <${el.name}>`);
      return;
    }
    for (const a of Object.keys(el.attrs)) {
      if (!rule.attrs.includes(a)) add(path, `attribute ${a} is not allowed on <${el.name}>`);
    }
    for (const a of rule.required) {
      if (!(a in el.attrs)) add(path, `<${el.name}> lacks required attribute ${a}`);
    }
    if ("time" in el.attrs && !SUREFIRE_TIME.test(el.attrs.time ?? "")) {
      add(path, `time="${el.attrs.time}" does not match SUREFIRE_TIME`);
    }
    if (rule.children === "text") {
      if (el.children.length) add(path, `<${el.name}> must hold text only`);
    } else {
      // Element-only content, except the rerun types, which the XSD declares mixed.
      if (rule !== RERUN && el.text.trim() !== "") {
        add(path, `<${el.name}> has stray text "${el.text.trim().slice(0, 40)}"`);
      }
      for (const c of el.children) {
        if (!rule.children.includes(c.name)) {
          add(path, `<${c.name}> is not allowed in <${el.name}>`);
        }
      }
    }
    el.children.forEach((c, i) => walk(c, `${path}/${c.name}[${i}]`));
  };
  walk(root, "/testsuites");

  // Counts: what the XSD cannot say but every dashboard assumes.
  let total = 0;
  let failures = 0;
  let errors = 0;
  for (const [i, suite] of root.children.entries()) {
    const path = `/testsuites/testsuite[${i}]`;
    for (const a of ["tests", "failures", "errors", "skipped"]) {
      const v = suite.attrs[a];
      if (v === undefined) add(path, `<testsuite> lacks ${a}`);
      else if (!COUNT.test(v)) add(path, `${a}="${v}" is not a count`);
    }
    if (!("time" in suite.attrs)) add(path, "<testsuite> lacks time");
    const cases = suite.children.filter((c) => c.name === "testcase");
    const has = (c: XmlElement, n: string) => c.children.some((x) => x.name === n);
    const counted = {
      tests: cases.length,
      failures: cases.filter((c) => has(c, "failure")).length,
      errors: cases.filter((c) => has(c, "error")).length,
      skipped: cases.filter((c) => has(c, "skipped")).length,
    };
    for (const [k, n] of Object.entries(counted)) {
      if (suite.attrs[k] !== undefined && Number(suite.attrs[k]) !== n) {
        add(path, `${k}="${suite.attrs[k]}" but ${n} test cases say so`);
      }
    }
    for (const [j, c] of cases.entries()) {
      for (const a of ["classname", "name", "time"]) {
        if (!(a in c.attrs)) add(`${path}/testcase[${j}]`, `<testcase> lacks ${a}`);
      }
      for (const r of c.children.filter((x) => x.name === "failure")) {
        for (const a of ["message", "type"]) {
          if (!(a in r.attrs)) add(`${path}/testcase[${j}]`, `<failure> lacks ${a}`);
        }
      }
      for (const r of c.children.filter((x) => x.name === "skipped")) {
        if (!("message" in r.attrs)) add(`${path}/testcase[${j}]`, "<skipped> lacks message");
      }
    }
    total += counted.tests;
    failures += counted.failures;
    errors += counted.errors;
  }
  for (const [k, n] of Object.entries({ tests: total, failures, errors })) {
    const v = root.attrs[k];
    if (v !== undefined && Number(v) !== n) {
      add("/testsuites", `${k}="${v}" but the suites hold ${n}`);
    }
  }
  return problems;
}
