// Small field types shared by several parts of an entry.
import { z } from "zod";
import { checkpointIdPattern } from "./constants.ts";

export const checkpointId = z
  .string()
  .regex(checkpointIdPattern, "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters")
  .describe("A checkpoint id: the entry's file name without .json; FIAB's local artifact id.");

export const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, "an http(s) URL")
  .describe("An http or https URL.");

export const sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "64 lowercase hexadecimal digits")
  .describe("A SHA-256 digest in lowercase hexadecimal.");

export const isoDate = z.iso.date("a date as YYYY-MM-DD").describe("A date, YYYY-MM-DD.");

export const isoDateTime = z.iso.datetime({ offset: true }).describe("An ISO 8601 date and time, e.g. 2026-11-26T10:00:00Z.");

/** Arbitrary JSON kept as written: configuration blocks whose inner shape belongs to anemoi-inference. */
export const jsonObject = z.record(z.string(), z.unknown());
