// The Jobs page's "Copy evidence" buttons. Without JavaScript the buttons stay hidden and a click
// on the evidence block selects it all (CSS user-select: all), so copying still works.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.copy-evidence")) {
    const block = document.getElementById(button.dataset.target);
    if (!block || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(block.textContent);
      button.textContent = "Copied";
    });
  }
});
