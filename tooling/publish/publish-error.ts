// Why a site cannot be signed or verified, or a key read: the command line prints it and exits 1.
import { RegistryError } from "../../src/errors.ts";

export class PublishError extends RegistryError {}
