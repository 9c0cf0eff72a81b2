// Settings of the published registry that are not part of any entry.
export const site = {
  title: "FIAB model registry",
  /** display_name of the published FIAB store views. */
  storeDisplayName: "ECMWF Artifact Store",
};
