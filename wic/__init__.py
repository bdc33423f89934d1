"""The ``wic`` command of the WIC Digital Economy Observatory."""
