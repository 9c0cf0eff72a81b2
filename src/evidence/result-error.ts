// A result record that cannot become evidence: not valid, for another file, or saying nothing about the checkpoint.
import { RegistryError } from "../errors.ts";

export class ResultError extends RegistryError {}
