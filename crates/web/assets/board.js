// Drag a card to another column: the card's own move form is submitted with that stage, so
// the server applies the same checklist as without JavaScript (a blocked move opens the deal
// with what is missing).
(function () {
  var board = document.getElementById('board');
  if (!board) return;
  var dragged = null;
  board.addEventListener('dragstart', function (e) {
    var card = e.target.closest && e.target.closest('.card');
    if (!card) return;
    dragged = card;
    card.classList.add('dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', card.dataset.id);
  });
  board.addEventListener('dragend', function () {
    if (dragged) dragged.classList.remove('dragging');
    dragged = null;
    board.querySelectorAll('.column.over').forEach(function (c) { c.classList.remove('over'); });
  });
  board.addEventListener('dragover', function (e) {
    var col = e.target.closest && e.target.closest('.column');
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.add('over');
  });
  board.addEventListener('dragleave', function (e) {
    var col = e.target.closest && e.target.closest('.column');
    if (col && !col.contains(e.relatedTarget)) col.classList.remove('over');
  });
  board.addEventListener('drop', function (e) {
    var col = e.target.closest && e.target.closest('.column');
    if (!col || !dragged) return;
    e.preventDefault();
    var form = dragged.querySelector('form.move');
    var select = form.querySelector('select[name=stage]');
    if (select.value === col.dataset.stage && dragged.closest('.column') === col) return;
    select.value = col.dataset.stage;
    form.submit();
  });
})();
