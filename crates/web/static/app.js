/* stationhub — small helpers for the pages. Everything works without this file; with it,
   nothing typed is lost: the edit form is copied into this browser's localStorage on every
   input, restored when the page is opened again, and saved in the background every minute;
   exports download with a progress bar. No inline script (the Content-Security-Policy forbids it); no external code. */
(function () {
  'use strict';

  var AUTOSAVE_MS = 60 * 1000;
  var SKIP = { csrf_token: true, version: true, form: true };

  function $(id) { return document.getElementById(id); }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function clock(t) { var d = new Date(t); return pad2(d.getHours()) + ':' + pad2(d.getMinutes()); }

  function storageGet(key) {
    try { var s = window.localStorage.getItem(key); return s ? JSON.parse(s) : null; } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function storageRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* unavailable: nothing kept */ }
  }

  /* The form's content as [name, value] pairs, in page order (repeated names keep their order). */
  function pairsOf(form) {
    var out = [];
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || SKIP[el.name] || el.disabled) { continue; }
      if (el.type === 'file' || el.type === 'submit' || el.type === 'button') { continue; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { continue; }
      out.push([el.name, el.value]);
    }
    return out;
  }

  /* What the server would keep of the pairs: trimmed values, line endings unified, blanks left out. */
  function normal(pairs) {
    var out = [];
    for (var i = 0; i < pairs.length; i++) {
      var v = String(pairs[i][1]).replace(/\r\n?/g, '\n').trim();
      if (v !== '') { out.push(pairs[i][0] + '=' + v); }
    }
    return out.join('\u0000');
  }

  function initEditForm(form) {
    var id = form.getAttribute('data-app-id');
    var key = 'stationhub:application:' + id + ':draft';
    var versionInput = form.querySelector('input[name=version]');
    var csrfInput = form.querySelector('input[name=csrf_token]');
    var status = $('app-autosave');
    var restoreBox = $('app-restore');
    var restoreText = $('app-restore-text');
    var restoreApply = $('app-restore-apply');
    var restoreDiscard = $('app-restore-discard');
    var staffBox = $('staff-rows');
    var society = $('society_id');
    var expertCount = $('expert-count');

    function serverVersion() { return parseInt(versionInput.value, 10) || 0; }

    var bar = $('app-autosave-bar');
    function say(text, isError) {
      if (status) {
        status.textContent = text;
        status.className = 'hint app-autosave' + (isError ? ' app-autosave-error' : '');
      }
      // The same words beside the save button, which stays in view while the form is filled.
      if (bar) {
        bar.textContent = text;
        bar.className = 'app-autosave-bar' + (isError ? ' app-autosave-error' : '');
      }
    }

    /* ---- staff rows: one more row on demand ---- */
    function addStaffRow() {
      var rows = staffBox.querySelectorAll('.app-staff-row');
      var last = rows[rows.length - 1];
      var row = last.cloneNode(true);
      var inputs = row.querySelectorAll('input');
      for (var i = 0; i < inputs.length; i++) { inputs[i].value = ''; inputs[i].removeAttribute('aria-invalid'); }
      var errs = row.querySelectorAll('.field-error');
      for (var j = 0; j < errs.length; j++) { errs[j].parentNode.removeChild(errs[j]); }
      row.className = 'app-staff-row';
      var no = row.querySelector('.app-staff-no');
      if (no) { no.textContent = String(rows.length + 1); }
      staffBox.appendChild(row);
      return row;
    }
    if (staffBox) {
      var more = document.createElement('button');
      more.type = 'button';
      more.className = 'secondary small';
      more.id = 'add-staff-row';
      more.textContent = '再加一行';
      more.addEventListener('click', function () { addStaffRow().querySelector('input').focus(); });
      staffBox.parentNode.insertBefore(more, staffBox.nextSibling);
    }

    /* ---- experts: how many are ticked ---- */
    function countExperts() {
      if (!expertCount) { return; }
      var n = form.querySelectorAll('input[name=expert_ids]:checked:not(:disabled)').length;
      var min = parseInt(expertCount.getAttribute('data-min'), 10) || 0;
      expertCount.textContent = '已选 ' + n + ' 人' + (n < min ? '，至少还需 ' + (min - n) + ' 人（第七条（六））' : '，已达到 ' + min + ' 人的要求');
      expertCount.className = n < min ? 'field-error' : 'hint';
    }

    /* ---- society changed: the old roster's experts cannot come along ---- */
    var remembered = null;
    function societyChanged() {
      if (!society) { return; }
      var changed = society.value !== society.getAttribute('data-current');
      var boxes = form.querySelectorAll('input[name=expert_ids]');
      var note = $('society-changed');
      if (changed && remembered === null) {
        remembered = [];
        for (var i = 0; i < boxes.length; i++) {
          remembered.push(boxes[i].checked);
          boxes[i].checked = false;
          boxes[i].disabled = true;
        }
      } else if (!changed && remembered !== null) {
        for (var j = 0; j < boxes.length; j++) {
          boxes[j].disabled = false;
          boxes[j].checked = !!remembered[j];
        }
        remembered = null;
      }
      if (note) { note.hidden = !changed; }
      countExperts();
    }

    /* ---- put pairs back into the form ---- */
    function applyPairs(pairs) {
      var values = {};
      for (var i = 0; i < pairs.length; i++) {
        (values[pairs[i][0]] = values[pairs[i][0]] || []).push(pairs[i][1]);
      }
      if (staffBox) {
        var want = Math.max((values.staff_name || []).length, (values.staff_mobile || []).length, (values.staff_duty || []).length);
        while (staffBox.querySelectorAll('.app-staff-row').length < want) { addStaffRow(); }
      }
      // Society first, so that the expert boxes are handled for the society the copy names.
      if (society && values.society_id) { society.value = values.society_id[0]; }
      remembered = null;
      var boxes = form.querySelectorAll('input[name=expert_ids]');
      for (var b = 0; b < boxes.length; b++) { boxes[b].disabled = false; }
      var taken = {};
      var els = form.elements;
      for (var k = 0; k < els.length; k++) {
        var el = els[k];
        if (!el.name || SKIP[el.name] || el.type === 'file' || el.type === 'submit' || el.type === 'button') { continue; }
        var vs = values[el.name] || [];
        if (el.type === 'checkbox' || el.type === 'radio') {
          el.checked = vs.indexOf(el.value) !== -1;
        } else {
          var n = taken[el.name] || 0;
          el.value = n < vs.length ? vs[n] : '';
          taken[el.name] = n + 1;
        }
      }
      societyChanged();
      countExperts();
    }

    /* ---- the copy in this browser ---- */
    function keep() {
      storageSet(key, { base: serverVersion(), at: Date.now(), pairs: pairsOf(form) });
    }

    var lastSaved = normal(pairsOf(form));
    var lastTried = lastSaved;
    var original = pairsOf(form);

    function hideRestore() { restoreBox.hidden = true; }
    restoreDiscard.addEventListener('click', function () {
      storageRemove(key);
      applyPairs(original);
      hideRestore();
      say('已放弃本机保存的内容，表单为服务器上保存的版本。', false);
    });

    var stored = storageGet(key);
    if (form.getAttribute('data-typed') === '1') {
      // The page shows back what was just sent and refused: that is the newest content.
      keep();
    } else if (stored && stored.pairs) {
      var here = normal(original);
      var justSaved = form.getAttribute('data-saved') === '1';
      if (normal(stored.pairs) === here || (justSaved && stored.base < serverVersion())) {
        storageRemove(key);
      } else if (stored.base === serverVersion()) {
        applyPairs(stored.pairs);
        restoreText.textContent = '已恢复您未保存的内容（本机于 ' + clock(stored.at) + ' 保存）。请核对后点“保存草稿”；如不需要，可放弃。';
        restoreApply.hidden = true;
        restoreBox.hidden = false;
      } else {
        var updated = parseInt(form.getAttribute('data-updated'), 10) || 0;
        restoreText.textContent = '本机保存有您于 ' + clock(stored.at) + ' 填写但未保存的内容；此后申报书已被修改（可能是他人保存或学会已确认）' +
          (updated > stored.at ? '，服务器上的内容比本机的更新' : '') + '。恢复后再保存，将以本机内容覆盖现有内容。';
        restoreApply.hidden = false;
        restoreBox.hidden = false;
        restoreApply.addEventListener('click', function () {
          applyPairs(stored.pairs);
          hideRestore();
          keep();
          say('已恢复本机保存的内容，请核对后点“保存草稿”。', false);
        });
      }
    }

    form.addEventListener('input', keep);
    // Whatever button sends the form, the copy is what was sent.
    form.addEventListener('submit', keep);
    form.addEventListener('change', function (e) {
      if (e.target === society) { societyChanged(); }
      if (e.target && e.target.name === 'expert_ids') { countExperts(); }
      keep();
    });
    countExperts();

    /* ---- background save ---- */
    var paused = false;
    var busy = false;

    function backgroundSave() {
      var pairs = pairsOf(form);
      var now = normal(pairs);
      if (paused || busy || now === lastSaved || now === lastTried) { return Promise.resolve(); }
      busy = true;
      lastTried = now;
      var body = new URLSearchParams();
      var all = new FormData(form);
      all.forEach(function (value, name) { if (typeof value === 'string') { body.append(name, value); } });
      return fetch(form.getAttribute('action'), {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: {
          'Accept': 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8',
          'X-CSRF-Token': csrfInput.value
        },
        body: body.toString()
      }).then(function (res) {
        if (res.type === 'opaqueredirect' || res.status === 401) {
          paused = true;
          keep();
          say('登录已超时，已在本机保存您的内容；请重新登录后回到此页。', true);
          addLoginLink();
          return;
        }
        return res.json().catch(function () { return null; }).then(function (data) {
          if (res.ok && data && typeof data.version === 'number') {
            versionInput.value = String(data.version);
            form.setAttribute('data-version', String(data.version));
            lastSaved = now;
            if (normal(pairsOf(form)) === now) { storageRemove(key); } else { keep(); }
            var extra = data.notices && data.notices.length ? ' ' + data.notices.join(' ') : '';
            say('已自动保存（' + clock(Date.now()) + '）。' + extra, false);
            return;
          }
          var message = data && data.error && data.error.message ? data.error.message : '';
          if (res.status === 403) {
            paused = true;
            say('页面已失效（可能已在其他窗口重新登录）。您的内容已保存在本机，请刷新本页后继续。', true);
          } else if (res.status === 409) {
            paused = true;
            say('自动保存已暂停：' + message + ' 请点“保存草稿”，页面会保留您填写的内容并说明如何处理。', true);
          } else if (res.status === 422) {
            var n = data && data.error && data.error.fields ? data.error.fields.length : 0;
            say('自动保存未成功：' + (n ? '有 ' + n + ' 处填写需要改正' : message) + '。内容已保存在本机；点“保存草稿”可看到每一处的说明。', true);
          } else {
            say('自动保存未成功（' + res.status + '）' + (message ? '：' + message : '') + '。内容已保存在本机。', true);
          }
        });
      }).catch(function () {
        lastTried = '';
        say('网络不通，暂未能自动保存；内容已保存在本机，恢复联网后会自动再试。', true);
      }).then(function () { busy = false; });
    }

    function addLoginLink() {
      [status, bar].forEach(function (where) {
        if (!where || where.querySelector('a')) { return; }
        var a = document.createElement('a');
        a.href = '/login?next=' + encodeURIComponent(window.location.pathname);
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = '在新窗口重新登录';
        where.appendChild(document.createTextNode(' '));
        where.appendChild(a);
      });
    }

    window.setInterval(backgroundSave, AUTOSAVE_MS);

    /* ---- uploads: size checked here, typing saved first ---- */
    var uploads = document.querySelectorAll('form.app-upload');
    for (var u = 0; u < uploads.length; u++) {
      uploads[u].addEventListener('submit', function (e) {
        var up = e.currentTarget;
        var input = up.querySelector('input[type=file]');
        var err = up.querySelector('.app-upload-error');
        var max = parseInt(up.getAttribute('data-max-bytes'), 10) || 0;
        var file = input && input.files && input.files[0];
        if (file && max && file.size > max) {
          e.preventDefault();
          err.textContent = '文件过大：' + (file.size / 1048576).toFixed(1) + ' MB，单个文件不能超过 ' + Math.round(max / 1048576) + ' MB。';
          err.hidden = false;
          return;
        }
        err.hidden = true;
        if (normal(pairsOf(form)) !== lastSaved && !paused) {
          e.preventDefault();
          keep();
          var btn = up.querySelector('button');
          if (btn) { btn.disabled = true; btn.textContent = '正在保存并上传…'; }
          backgroundSave().then(function () { up.submit(); });
        }
      });
    }
  }

  function initPrint() {
    var b = $('print');
    if (!b) { return; }
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  }

  /* ---- exports: "导出 Excel" and the zip of materials, with a progress bar ----
     A link marked data-export downloads its file with fetch, reading the body as it arrives and
     showing bytes received against Content-Length, then saves it under the server's file name.
     Without this script (or with a modified click) the link downloads the file itself. */
  function sizeText(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB';
  }

  function fileNameOf(res) {
    var cd = res.headers.get('Content-Disposition') || '';
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (m) {
      try { return decodeURIComponent(m[1]); } catch (e) { /* use the plain name */ }
    }
    m = /filename="([^"]+)"/i.exec(cd);
    return m ? m[1] : 'export';
  }

  function exportStatus(a) {
    var box = a.parentNode.querySelector('.export-status');
    if (!box) {
      box = document.createElement('span');
      box.className = 'export-status';
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      box.appendChild(document.createElement('progress'));
      box.appendChild(document.createElement('span'));
      a.parentNode.insertBefore(box, a.nextSibling);
    }
    var bar = box.querySelector('progress');
    var text = box.querySelector('span');
    return {
      show: function (got, total, message) {
        box.hidden = false;
        box.className = 'export-status';
        bar.hidden = false;
        if (total > 0) {
          bar.max = total;
          bar.value = Math.min(got, total);
        } else {
          bar.removeAttribute('value');
        }
        text.textContent = message;
      },
      end: function (message, isError) {
        bar.hidden = true;
        box.className = 'export-status' + (isError ? ' export-error' : '');
        text.textContent = message;
      }
    };
  }

  function saveBlob(blob, name) {
    var url = window.URL.createObjectURL(blob);
    var link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    window.setTimeout(function () { window.URL.revokeObjectURL(url); }, 60 * 1000);
  }

  function download(a) {
    var status = exportStatus(a);
    a.setAttribute('aria-busy', 'true');
    status.show(0, 0, '正在生成文件，请稍候…');
    fetch(a.href, { credentials: 'same-origin' }).then(function (res) {
      var type = res.headers.get('Content-Type') || '';
      if (!res.ok || res.redirected || type.indexOf('text/html') === 0) {
        // A refusal or the sign-in page: open the address itself, which shows it as a page.
        window.location.href = a.href;
        return null;
      }
      var total = parseInt(res.headers.get('Content-Length'), 10) || 0;
      var name = fileNameOf(res);
      if (!res.body || !res.body.getReader) {
        return res.blob().then(function (blob) { return { blob: blob, name: name }; });
      }
      var reader = res.body.getReader();
      var chunks = [];
      var got = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { return { blob: new Blob(chunks, { type: type }), name: name }; }
          chunks.push(step.value);
          got += step.value.length;
          status.show(got, total, total > 0
            ? '正在下载 ' + Math.floor(got * 100 / total) + '%（' + sizeText(got) + ' / ' + sizeText(total) + '）'
            : '正在下载（已接收 ' + sizeText(got) + '）');
          return pump();
        });
      }
      return pump();
    }).then(function (file) {
      if (!file) { return; }
      saveBlob(file.blob, file.name);
      status.end('已下载：' + file.name + '（' + sizeText(file.blob.size) + '）', false);
    }).catch(function () {
      status.end('下载未完成（网络中断或服务器无响应），请再点一次“' + a.textContent + '”。', true);
    }).then(function () { a.removeAttribute('aria-busy'); });
  }

  function initExports() {
    if (!window.fetch || !window.Blob || !window.URL || !window.URL.createObjectURL) { return; }
    var links = document.querySelectorAll('a[data-export]');
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener('click', function (e) {
        var a = e.currentTarget;
        // A new tab or window, or a saved link, takes the address itself.
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) { return; }
        e.preventDefault();
        if (a.getAttribute('aria-busy') === 'true') { return; }
        download(a);
      });
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = $('app-form');
    if (form && form.getAttribute('data-app-id')) { initEditForm(form); }
    initPrint();
    initExports();
  });
}());
