//! Browser tests in real headless Chromium: filled in below.
