//! Madoguchi's AI information desk (総合案内).
