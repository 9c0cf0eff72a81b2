// Tables marked data-sortable sort by a column when its header button is pressed, ascending then
// descending, as numbers or text as the header's data-sort says; aria-sort tells screen readers.
function cellValue(row: HTMLTableRowElement, column: number): string {
  const cell = row.cells[column];
  return cell?.dataset["value"] ?? cell?.textContent?.trim() ?? "";
}

function sortBy(table: HTMLTableElement, header: HTMLTableCellElement, numeric: boolean): void {
  const body = table.tBodies[0];
  if (!body) return;
  const column = header.cellIndex;
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const th of table.querySelectorAll("th[aria-sort]")) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const rows = [...body.rows];
  const compare = (a: HTMLTableRowElement, b: HTMLTableRowElement) => {
    const x = cellValue(a, column);
    const y = cellValue(b, column);
    const order = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    return ascending ? order : -order;
  };
  body.append(...rows.sort(compare));
}

for (const table of document.querySelectorAll<HTMLTableElement>("table[data-sortable]")) {
  for (const header of table.querySelectorAll<HTMLTableCellElement>("th[data-sort]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = header.textContent;
    header.replaceChildren(button);
    button.addEventListener("click", () => sortBy(table, header, header.dataset["sort"] === "number"));
  }
}
