;;; analyst.el --- Ask analyst which change could have caused an incident  -*- lexical-binding: t; -*-

;; Install: put this file on your `load-path' and add (require 'analyst)
;; to your init file, or load it with M-x load-file.
;;
;; Select an error message or a stack trace and run M-x analyst-ask-region.
;; The region goes to `analyst ask -' on its stdin (no shell runs, so nothing
;; in the region is ever executed); the ranked suspects, and the explanation
;; when Ollama runs, appear in the *analyst* buffer as analyst writes them,
;; while you go on editing.

;;; Code:

(defgroup analyst nil
  "Ask analyst which change could have caused an incident."
  :group 'tools)

(defcustom analyst-program "analyst"
  "The analyst program."
  :type 'string)

(defcustom analyst-ask-arguments '("ask" "-")
  "Arguments of `analyst-program' that read the incident from stdin.
For example (\"--home\" \"/path\" \"ask\" \"--since\" \"30d\" \"-\")."
  :type '(repeat string))

(defconst analyst-buffer-name "*analyst*"
  "The buffer the answer is shown in.")

(defvar-local analyst--done nil
  "Non-nil once analyst has finished writing to this buffer.")

;;;###autoload
(defun analyst-ask-region (start end)
  "Ask analyst which change could have caused the incident between START and END.
The answer, with analyst's warnings, appears in the *analyst* buffer as
analyst writes it: Emacs does not wait (the model's explanation can take
a while).  Returns the process."
  (interactive "r")
  (let ((buf (get-buffer-create analyst-buffer-name))
        (text (buffer-substring-no-properties start end)))
    (let ((old (get-buffer-process buf)))
      (when old (delete-process old)))
    (with-current-buffer buf
      (special-mode)
      (setq-local analyst--done nil)
      (let ((inhibit-read-only t))
        (erase-buffer)))
    (let ((proc (make-process :name "analyst" :buffer buf
                              :command (cons analyst-program analyst-ask-arguments)
                              :connection-type 'pipe :noquery t
                              :filter #'analyst--insert
                              :sentinel #'analyst--finished)))
      (process-send-string proc text)
      (process-send-eof proc)
      (display-buffer buf)
      proc)))

(defun analyst--insert (proc output)
  "Append OUTPUT of PROC to its buffer, which is read-only to the user."
  (when (buffer-live-p (process-buffer proc))
    (with-current-buffer (process-buffer proc)
      (let ((inhibit-read-only t))
        (save-excursion
          (goto-char (point-max))
          (insert output))))))

(defun analyst--finished (proc _event)
  "Say how PROC ended, if not well, once it has."
  (when (and (memq (process-status proc) '(exit signal))
             (buffer-live-p (process-buffer proc)))
    (with-current-buffer (process-buffer proc)
      (let ((inhibit-read-only t)
            (status (process-exit-status proc)))
        (unless (eql status 0)
          (save-excursion
            (goto-char (point-max))
            (insert (format "\nanalyst exited with status %s\n" status)))))
      (setq analyst--done t))))

(provide 'analyst)
;;; analyst.el ends here
