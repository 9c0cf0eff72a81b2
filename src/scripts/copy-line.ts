// The copy buttons of a checkpoint page's commands (src/site/checkpoint-page/usage.ts): shown only where the
// clipboard can be written, each copies the command shown beside it.
for (const button of document.querySelectorAll<HTMLButtonElement>("button.copy[hidden]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(button.parentElement?.querySelector("code")?.textContent ?? "");
    const before = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = before), 1500);
  });
}
