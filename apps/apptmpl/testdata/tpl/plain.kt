literal { braces }
