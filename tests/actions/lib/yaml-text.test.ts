import { describe, expect, it } from "vitest";
import { InputError } from "../../../actions/lib/errors.ts";
import { readYaml, readYamlInput, writeYaml, YamlSyntaxError } from "../../../actions/lib/yaml-text.ts";

describe("YAML as garde reads it", () => {
  it("reads YAML 1.2's core schema, as Pulumi and kubectl do: yes and dates stay strings", () => {
    expect(
      readYaml("enabled: yes\nsince: 2024-01-01\nport: 8080\nratio: 0.5\nnothing: ~\nflag: true\n"),
    ).toEqual({
      enabled: "yes",
      since: "2024-01-01",
      port: 8080,
      ratio: 0.5,
      nothing: null,
      flag: true,
    });
  });

  it("reads an empty or comment-only text as null", () => {
    expect(readYaml("")).toBeNull();
    expect(readYaml("# nothing here yet\n")).toBeNull();
  });

  it("says where broken YAML breaks, counting lines and columns from 1", () => {
    const broken = () => readYaml("checks:\n  - path: /\n  path: /health\n");
    expect(broken).toThrow(YamlSyntaxError);
    try {
      broken();
    } catch (err) {
      expect(err).toMatchObject({ line: 3, column: 3 });
    }
  });

  it("refuses a duplicated key and a text with two documents", () => {
    expect(() => readYaml("a: 1\na: 2\n")).toThrow(/duplicated mapping key \(line 2, column 1\)/);
    expect(() => readYaml("a: 1\n---\nb: 2\n")).toThrow(/holds 2 documents/);
  });

  it("refuses an input file's broken YAML as bad input naming the input, the file and the place", () => {
    const refused = () => readYamlInput("keys:\n  - [unclosed\n", "config", "rotation.yml");
    expect(refused).toThrow(InputError);
    expect(refused).toThrow(/^rotation\.yml:\d+:\d+ is not valid YAML: /);
    try {
      refused();
    } catch (err) {
      expect((err as InputError).field).toBe("config");
    }
  });

  it("writes what it reads back, long strings on one line", () => {
    const value = { name: "app", note: "x".repeat(200), list: [1, "two", { three: 3 }] };
    const text = writeYaml(value);
    expect(text.split("\n").some((line) => line.length > 200)).toBe(true);
    expect(readYaml(text)).toEqual(value);
  });
});
