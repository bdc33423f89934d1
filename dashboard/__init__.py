"""The Dash dashboard of the WIC Digital Economy Observatory."""
